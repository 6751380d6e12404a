using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class MeanAbsoluteErrorTests
{
    [Fact]
    public void Mean_absolute_error_matches_a_hand_computed_value()
    {
        var metric = new MeanAbsoluteError();
        metric.Update(RegressionData.Prediction, RegressionData.Target);
        Assert.Equal(6.5 / 4, metric.Compute(), 12);
        Assert.False(metric.HigherIsBetter);
        Assert.Equal("mae", metric.Name);
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var metric = new MeanAbsoluteError();
        metric.Update(RegressionData.Prediction, RegressionData.Target, RegressionData.WithoutThird);
        Assert.Equal(4.5 / 3, metric.Compute(), 12);
    }

    [Fact]
    public void A_column_prediction_fits_a_flat_target()
    {
        var metric = new MeanAbsoluteError();
        metric.Update(RegressionData.Prediction.unsqueeze(1), RegressionData.Target);
        Assert.Equal(6.5 / 4, metric.Compute(), 12);
    }

    [Fact]
    public void Multi_output_rows_average_over_every_element()
    {
        var metric = new MeanAbsoluteError();
        metric.Update(tensor(new[] { 0f, 1f, 2f, 3f }).reshape(2, 2), tensor(new[] { 1f, 1f, 2f, 0f }).reshape(2, 2), tensor(new[] { false, true }));
        Assert.Equal(1.5, metric.Compute(), 12); // second row only: |0| and |3|
    }

    [Fact]
    public void Streaming_over_several_batches_equals_one_update_over_all()
    {
        var generator = new Generator().manual_seed(1);
        var prediction = randn(new long[] { 17, 3 }, generator: generator);
        var target = randn(new long[] { 17, 3 }, generator: generator);
        var whole = new MeanAbsoluteError();
        whole.Update(prediction, target);
        var streamed = new MeanAbsoluteError();
        MetricData.UpdateInChunks(streamed, prediction, target, null, 8, 9);
        Assert.Equal(whole.Compute(), streamed.Compute(), 12);
    }

    [Fact]
    public void Shape_errors_name_both_shapes_and_the_metric()
    {
        var error = Assert.Throws<ArgumentException>(() => new MeanAbsoluteError().Update(zeros(4, 2), zeros(4)));
        Assert.Contains("mae", error.Message);
        Assert.Contains("[4, 2]", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [Fact]
    public void Nothing_seen_gives_nan()
    {
        var metric = new MeanAbsoluteError();
        metric.Update(RegressionData.Prediction, RegressionData.Target, zeros(4, ScalarType.Bool));
        Assert.True(double.IsNaN(metric.Compute()));
    }
}
