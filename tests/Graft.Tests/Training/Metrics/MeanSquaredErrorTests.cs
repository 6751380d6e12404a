using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class MeanSquaredErrorTests
{
    [Fact]
    public void Mean_squared_error_matches_a_hand_computed_value()
    {
        var metric = new MeanSquaredError();
        metric.Update(RegressionData.Prediction, RegressionData.Target);
        Assert.Equal(20.25 / 4, metric.Compute(), 12);
        Assert.Equal("mse", metric.Name);
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var metric = new MeanSquaredError();
        metric.Update(RegressionData.Prediction, RegressionData.Target, RegressionData.WithoutThird);
        Assert.Equal(16.25 / 3, metric.Compute(), 12);
    }

    [Fact]
    public void Streaming_over_several_batches_equals_one_update_over_all()
    {
        var metric = new MeanSquaredError();
        MetricData.UpdateInChunks(metric, RegressionData.Prediction, RegressionData.Target, null, 1, 3);
        Assert.Equal(20.25 / 4, metric.Compute(), 12);
    }

    [Fact]
    public void Predictions_that_carry_gradients_are_accepted()
    {
        var leaf = RegressionData.Prediction.requires_grad_(true);
        var metric = new MeanSquaredError();
        metric.Update(leaf * 1, RegressionData.Target);
        Assert.Equal(20.25 / 4, metric.Compute(), 12);
    }

    [Fact]
    public void Shape_errors_name_both_shapes_and_the_metric()
    {
        var error = Assert.Throws<ArgumentException>(() => new MeanSquaredError().Update(zeros(3), zeros(4)));
        Assert.Contains("mse", error.Message);
        Assert.Contains("[3]", error.Message);
        Assert.Contains("[4]", error.Message);
    }
}
