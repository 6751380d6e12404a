using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

// Multi-class example per class (predicted / true / true positives):
// class 0: 2 / 1 / 1, class 1: 2 / 2 / 1, class 2: 2 / 3 / 2, class 3: absent.
public class PrecisionTests
{
    [Theory]
    [InlineData(Averaging.Macro, 2.0 / 3)] // (1/2 + 1/2 + 1) / 3; class 3 left out.
    [InlineData(Averaging.Micro, 4.0 / 6)]
    [InlineData(Averaging.Weighted, 4.5 / 6)] // (1·1/2 + 2·1/2 + 3·1) / 6
    public void Multi_class_precision_matches_hand_computed_values(Averaging averaging, double expected)
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new Precision(averaging);
        metric.Update(logits, target);
        Assert.Equal(expected, metric.Compute(), 12);
    }

    [Fact]
    public void Classes_absent_from_predictions_and_targets_are_left_out_of_the_macro_mean()
    {
        // Same samples with 10 classes instead of 4: seven absent classes, same macro precision.
        var metric = new Precision();
        metric.Update(MetricData.LogitsFor([0, 1, 1, 2, 0, 2], 10), MetricData.Classes(0, 1, 2, 2, 1, 2));
        Assert.Equal(2.0 / 3, metric.Compute(), 12);
    }

    [Fact]
    public void A_class_that_is_never_predicted_but_present_scores_zero()
    {
        var metric = new Precision();
        metric.Update(MetricData.LogitsFor([0, 0], 2), MetricData.Classes(0, 1));
        Assert.Equal(0.25, metric.Compute(), 12); // (1/2 + 0) / 2
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new Precision();
        // Without sample 4 (predicted 0, true 1): class 0 1/1, class 1 1/2, class 2 2/2.
        metric.Update(logits, target, MetricData.Mask(true, true, true, true, false, true));
        Assert.Equal(2.5 / 3, metric.Compute(), 12);
    }

    [Fact]
    public void Binary_precision_is_that_of_the_positive_class()
    {
        var (logits, target) = MetricData.BinaryExample();
        var metric = new Precision();
        metric.Update(logits, target);
        Assert.Equal(2.0 / 3, metric.Compute(), 12);
    }

    [Theory]
    [InlineData(Averaging.Macro, 2.5 / 3)] // labels: 2/2, 1/1, 1/2
    [InlineData(Averaging.Micro, 4.0 / 5)]
    [InlineData(Averaging.Weighted, (2 * 1.0 + 2 * 1.0 + 1 * 0.5) / 5)]
    public void Multi_label_precision_treats_every_flag_as_a_class(Averaging averaging, double expected)
    {
        var (logits, target) = MetricData.MultiLabelExample();
        var metric = new Precision(averaging);
        metric.Update(logits, target);
        Assert.Equal(expected, metric.Compute(), 12);
    }

    [Theory]
    [InlineData(Averaging.Macro)]
    [InlineData(Averaging.Micro)]
    [InlineData(Averaging.Weighted)]
    public void Streaming_over_several_batches_equals_one_update_over_all(Averaging averaging)
    {
        var generator = new Generator().manual_seed(11);
        var logits = randn(new long[] { 30, 5 }, generator: generator);
        var target = randint(0, 5, new long[] { 30 }, generator: generator);
        var mask = rand(new long[] { 30 }, generator: generator).gt(0.2);
        var whole = new Precision(averaging);
        whole.Update(logits, target, mask);
        var streamed = new Precision(averaging);
        MetricData.UpdateInChunks(streamed, logits, target, mask, 4, 13, 13);
        Assert.Equal(whole.Compute(), streamed.Compute(), 12);
    }

    [Fact]
    public void Names_carry_the_averaging_unless_it_is_macro()
    {
        Assert.Equal("precision", new Precision().Name);
        Assert.Equal("precision_micro", new Precision(Averaging.Micro).Name);
        Assert.Equal("precision_weighted", new Precision(Averaging.Weighted).Name);
    }

    [Fact]
    public void Nothing_seen_gives_nan()
    {
        Assert.True(double.IsNaN(new Precision().Compute()));
    }

    [Fact]
    public void A_batch_with_another_number_of_classes_is_rejected()
    {
        var metric = new Precision();
        metric.Update(MetricData.LogitsFor([0, 1], 3), MetricData.Classes(0, 1));
        var error = Assert.Throws<ArgumentException>(() => metric.Update(MetricData.LogitsFor([0, 1], 4), MetricData.Classes(0, 1)));
        Assert.Contains("precision", error.Message);
        Assert.Contains("[2, 4]", error.Message);
        Assert.Contains("3 classes", error.Message);
    }

    [Fact]
    public void Shape_errors_name_both_shapes_and_the_metric()
    {
        var error = Assert.Throws<ArgumentException>(() => new Precision(Averaging.Micro).Update(zeros(3, 2, 2), zeros(3, ScalarType.Int64)));
        Assert.Contains("precision_micro", error.Message);
        Assert.Contains("[3, 2, 2]", error.Message);
        Assert.Contains("[3]", error.Message);
    }
}
