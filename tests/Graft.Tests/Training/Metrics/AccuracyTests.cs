using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class AccuracyTests
{
    [Fact]
    public void Multi_class_accuracy_compares_the_argmax_with_the_class_index()
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new Accuracy();
        metric.Update(logits, target);
        Assert.Equal(4.0 / 6, metric.Compute(), 12);
        Assert.True(metric.HigherIsBetter);
        Assert.Equal("accuracy", metric.Name);
    }

    [Fact]
    public void Probabilities_give_the_same_accuracy_as_logits()
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new Accuracy();
        metric.Update(logits.softmax(1), target);
        Assert.Equal(4.0 / 6, metric.Compute(), 12);
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var (logits, target) = MetricData.MultiClassExample();
        var metric = new Accuracy();
        // Leaves out samples 2 (wrong) and 5 (right): 3 right of 4.
        metric.Update(logits, target, MetricData.Mask(true, true, false, true, true, false));
        Assert.Equal(3.0 / 4, metric.Compute(), 12);
    }

    [Fact]
    public void Binary_logits_are_thresholded_at_zero()
    {
        var (logits, target) = MetricData.BinaryExample();
        var flat = new Accuracy();
        flat.Update(logits, target);
        Assert.Equal(3.0 / 5, flat.Compute(), 12);

        var column = new Accuracy();
        column.Update(logits.unsqueeze(1), target.to_type(ScalarType.Int64));
        Assert.Equal(3.0 / 5, column.Compute(), 12);
    }

    [Fact]
    public void Multi_label_accuracy_counts_every_flag()
    {
        var (logits, target) = MetricData.MultiLabelExample();
        var metric = new Accuracy();
        metric.Update(logits, target);
        Assert.Equal(7.0 / 9, metric.Compute(), 12);
    }

    [Fact]
    public void Streaming_over_several_batches_equals_one_update_over_all()
    {
        var generator = new Generator().manual_seed(3);
        var logits = randn(new long[] { 20, 5 }, generator: generator);
        var target = randint(0, 5, new long[] { 20 }, generator: generator);
        var mask = rand(new long[] { 20 }, generator: generator).gt(0.3);
        var whole = new Accuracy();
        whole.Update(logits, target, mask);
        var streamed = new Accuracy();
        MetricData.UpdateInChunks(streamed, logits, target, mask, 7, 1, 12);
        Assert.Equal(whole.Compute(), streamed.Compute(), 12);
    }

    [Fact]
    public void Nothing_seen_gives_nan_and_reset_forgets()
    {
        var metric = new Accuracy();
        Assert.True(double.IsNaN(metric.Compute()));
        var (logits, target) = MetricData.MultiClassExample();
        metric.Update(logits, target);
        metric.Reset();
        Assert.True(double.IsNaN(metric.Compute()));
        metric.Update(logits, target, MetricData.Mask(false, false, false, false, false, false));
        Assert.True(double.IsNaN(metric.Compute()));
    }

    [Fact]
    public void Predictions_that_carry_gradients_are_accepted()
    {
        var (logits, target) = MetricData.MultiClassExample();
        var leaf = logits.clone().requires_grad_(true);
        var output = leaf * 2;
        var metric = new Accuracy();
        metric.Update(output, target);
        Assert.Equal(4.0 / 6, metric.Compute(), 12);
    }

    [Fact]
    public void Mismatched_batch_sizes_name_both_shapes_and_the_metric()
    {
        var metric = new Accuracy();
        var error = Assert.Throws<ArgumentException>(() => metric.Update(zeros(4, 3), zeros(5, ScalarType.Int64)));
        Assert.Contains("accuracy", error.Message);
        Assert.Contains("[4, 3]", error.Message);
        Assert.Contains("[5]", error.Message);
    }

    [Fact]
    public void A_multi_label_target_of_another_width_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Accuracy().Update(zeros(4, 3), zeros(4, 2)));
        Assert.Contains("[4, 3]", error.Message);
        Assert.Contains("[4, 2]", error.Message);
    }

    [Fact]
    public void A_float_target_for_multi_class_logits_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Accuracy().Update(zeros(4, 3), zeros(4)));
        Assert.Contains("integer class indices", error.Message);
        Assert.Contains("[4, 3]", error.Message);
    }

    [Fact]
    public void A_class_index_beyond_the_logits_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Accuracy().Update(zeros(2, 3), MetricData.Classes(0, 3)));
        Assert.Contains("class index 3", error.Message);
        Assert.Contains("[0, 3)", error.Message);
    }

    [Fact]
    public void A_mask_of_the_wrong_length_is_rejected()
    {
        var (logits, target) = MetricData.MultiClassExample();
        var error = Assert.Throws<ArgumentException>(() => new Accuracy().Update(logits, target, MetricData.Mask(true, false)));
        Assert.Contains("mask shape [2]", error.Message);
        Assert.Contains("[6]", error.Message);
    }

    [Fact]
    public void Switching_from_multi_class_to_binary_batches_is_rejected()
    {
        var metric = new Accuracy();
        var (logits, target) = MetricData.MultiClassExample();
        metric.Update(logits, target);
        var (binary, flags) = MetricData.BinaryExample();
        var error = Assert.Throws<ArgumentException>(() => metric.Update(binary, flags));
        Assert.Contains("multi-class (4 classes)", error.Message);
        Assert.Contains("binary", error.Message);
    }
}
