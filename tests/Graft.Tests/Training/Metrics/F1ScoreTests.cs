using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class F1ScoreTests
{
    [Theory]
    [InlineData(Averaging.Macro, 59.0 / 90)] // (2/3 + 1/2 + 4/5) / 3
    [InlineData(Averaging.Micro, 4.0 / 6)]
    [InlineData(Averaging.Weighted, 61.0 / 90)] // (1·2/3 + 2·1/2 + 3·4/5) / 6
    public void Multi_class_f1_matches_hand_computed_values(Averaging averaging, double expected)
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new F1Score(averaging);
        metric.Update(logits, target);
        Assert.Equal(expected, metric.Compute(), 12);
    }

    [Fact]
    public void Classes_absent_on_both_sides_are_left_out_of_the_macro_mean()
    {
        var metric = new F1Score();
        metric.Update(MetricData.LogitsFor([0, 1, 1, 2, 0, 2], 7), MetricData.Classes(0, 1, 2, 2, 1, 2));
        Assert.Equal(59.0 / 90, metric.Compute(), 12);
    }

    [Fact]
    public void Binary_f1_is_that_of_the_positive_class()
    {
        var (logits, target) = MetricData.BinaryExample();
        var metric = new F1Score();
        metric.Update(logits, target);
        Assert.Equal(2.0 / 3, metric.Compute(), 12);
    }

    [Fact]
    public void Multi_label_f1_treats_every_flag_as_a_class()
    {
        var (logits, target) = MetricData.MultiLabelExample();
        var metric = new F1Score();
        metric.Update(logits, target);
        // labels: 2·2/(2+2) = 1, 2·1/(1+2) = 2/3, 2·1/(2+1) = 2/3
        Assert.Equal((1 + 2.0 / 3 + 2.0 / 3) / 3, metric.Compute(), 12);
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var (logits, target) = MetricData.BinaryExample();
        var metric = new F1Score();
        // Without sample 3 (a missed positive): tp 2, predicted 3, true 2.
        metric.Update(logits, target, MetricData.Mask(true, true, true, false, true));
        Assert.Equal(0.8, metric.Compute(), 12);
    }

    [Fact]
    public void Streaming_over_several_batches_equals_one_update_over_all()
    {
        var generator = new Generator().manual_seed(9);
        var logits = randn(new long[] { 21, 3 }, generator: generator);
        var target = randint(0, 3, new long[] { 21 }, generator: generator);
        var whole = new F1Score(Averaging.Weighted);
        whole.Update(logits, target);
        var streamed = new F1Score(Averaging.Weighted);
        MetricData.UpdateInChunks(streamed, logits, target, null, 1, 19, 1);
        Assert.Equal(whole.Compute(), streamed.Compute(), 12);
    }

    [Fact]
    public void Shape_errors_name_both_shapes_and_the_metric()
    {
        var error = Assert.Throws<ArgumentException>(() => new F1Score().Update(zeros(2, 3), zeros(4, ScalarType.Int64)));
        Assert.Contains("f1", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4]", error.Message);
    }
}
