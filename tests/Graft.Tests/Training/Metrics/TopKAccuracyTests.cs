using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class TopKAccuracyTests
{
    private static readonly Tensor Scores = tensor(new[] { 0.1f, 0.5f, 0.4f, 0.8f, 0.15f, 0.05f, 0.2f, 0.3f, 0.5f }).reshape(3, 3);
    private static readonly Tensor Target = tensor(new long[] { 2, 1, 0 });

    [Fact]
    public void Top_two_counts_a_true_class_among_the_two_best()
    {
        var metric = new TopKAccuracy(2);
        metric.Update(Scores, Target);
        Assert.Equal(2.0 / 3, metric.Compute(), 12);
        Assert.Equal("top2", metric.Name);
    }

    [Fact]
    public void Top_one_is_plain_accuracy()
    {
        var metric = new TopKAccuracy(1);
        metric.Update(Scores, Target);
        Assert.Equal(0.0, metric.Compute());
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var metric = new TopKAccuracy(2);
        metric.Update(Scores, Target, MetricData.Mask(true, true, false));
        Assert.Equal(1.0, metric.Compute());
    }

    [Fact]
    public void Streaming_over_several_batches_equals_one_update_over_all()
    {
        var generator = new Generator().manual_seed(7);
        var scores = randn(new long[] { 16, 6 }, generator: generator);
        var target = randint(0, 6, new long[] { 16 }, generator: generator);
        var whole = new TopKAccuracy(3);
        whole.Update(scores, target);
        var streamed = new TopKAccuracy(3);
        MetricData.UpdateInChunks(streamed, scores, target, null, 5, 5, 6);
        Assert.Equal(whole.Compute(), streamed.Compute(), 12);
        Assert.InRange(whole.Compute(), 0.01, 0.99);
    }

    [Fact]
    public void K_larger_than_the_number_of_classes_names_the_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new TopKAccuracy(4).Update(Scores, Target));
        Assert.Contains("top4", error.Message);
        Assert.Contains("[3, 3]", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    [Fact]
    public void K_must_be_positive()
    {
        var error = Assert.Throws<ArgumentException>(() => new TopKAccuracy(0));
        Assert.Equal("k", error.ParamName);
    }

    [Fact]
    public void A_class_index_beyond_the_scores_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new TopKAccuracy(2).Update(Scores, tensor(new long[] { 0, 1, 5 })));
        Assert.Contains("class index 5", error.Message);
    }
}
