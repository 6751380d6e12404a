using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class RecallTests
{
    [Theory]
    [InlineData(Averaging.Macro, 13.0 / 18)] // (1 + 1/2 + 2/3) / 3
    [InlineData(Averaging.Micro, 4.0 / 6)]
    [InlineData(Averaging.Weighted, 4.0 / 6)] // weighted recall is accuracy
    public void Multi_class_recall_matches_hand_computed_values(Averaging averaging, double expected)
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new Recall(averaging);
        metric.Update(logits, target);
        Assert.Equal(expected, metric.Compute(), 12);
    }

    [Fact]
    public void A_class_predicted_but_never_true_scores_zero_in_the_macro_mean()
    {
        var metric = new Recall();
        // Class 0 true twice, found once; class 1 predicted once, never true.
        metric.Update(MetricData.LogitsFor([0, 1], 2), MetricData.Classes(0, 0));
        Assert.Equal(0.25, metric.Compute(), 12);
    }

    [Fact]
    public void Binary_recall_is_that_of_the_positive_class()
    {
        var (logits, target) = MetricData.BinaryExample();
        var metric = new Recall();
        metric.Update(logits.unsqueeze(1), target.unsqueeze(1));
        Assert.Equal(2.0 / 3, metric.Compute(), 12);
    }

    [Theory]
    [InlineData(Averaging.Macro, 2.5 / 3)] // labels: 2/2, 1/2, 1/1
    [InlineData(Averaging.Micro, 4.0 / 5)]
    public void Multi_label_recall_treats_every_flag_as_a_class(Averaging averaging, double expected)
    {
        var (logits, target) = MetricData.MultiLabelExample();
        var metric = new Recall(averaging);
        metric.Update(logits, target);
        Assert.Equal(expected, metric.Compute(), 12);
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var (logits, target) = MetricData.MultiLabelExample();
        var metric = new Recall(Averaging.Micro);
        // Without the second sample: true flags 1,0,0 and 1,1,0, all found.
        metric.Update(logits, target, MetricData.Mask(true, false, true));
        Assert.Equal(1.0, metric.Compute(), 12);
    }

    [Fact]
    public void Streaming_over_several_batches_equals_one_update_over_all()
    {
        var generator = new Generator().manual_seed(5);
        var logits = randn(new long[] { 25, 4 }, generator: generator);
        var target = rand(new long[] { 25, 4 }, generator: generator).gt(0.5).to_type(ScalarType.Float32);
        var whole = new Recall();
        whole.Update(logits, target);
        var streamed = new Recall();
        MetricData.UpdateInChunks(streamed, logits, target, null, 10, 10, 5);
        Assert.Equal(whole.Compute(), streamed.Compute(), 12);
    }

    [Fact]
    public void Shape_errors_name_both_shapes_and_the_metric()
    {
        var error = Assert.Throws<ArgumentException>(() => new Recall().Update(zeros(3, 4), zeros(3, 5)));
        Assert.Contains("recall", error.Message);
        Assert.Contains("[3, 4]", error.Message);
        Assert.Contains("[3, 5]", error.Message);
    }
}
