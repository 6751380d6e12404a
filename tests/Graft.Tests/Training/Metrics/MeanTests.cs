using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class MeanTests
{
    [Fact]
    public void Batch_losses_are_weighted_by_batch_size()
    {
        var metric = new Mean();
        metric.Update(tensor(2.0f), zeros(4, ScalarType.Int64));
        metric.Update(tensor(5.0f), zeros(2, ScalarType.Int64));
        Assert.Equal(3.0, metric.Compute(), 12); // (4·2 + 2·5) / 6
        Assert.Equal("loss", metric.Name);
        Assert.False(metric.HigherIsBetter);
    }

    [Fact]
    public void With_a_mask_a_batch_weighs_as_many_as_its_selected_samples()
    {
        var metric = new Mean();
        metric.Update(tensor(1.0f), zeros(4), tensor(new[] { true, false, true, false }));
        metric.Update(tensor(4.0f), zeros(1));
        Assert.Equal(2.0, metric.Compute(), 12); // (2·1 + 1·4) / 3
    }

    [Fact]
    public void Per_sample_values_are_averaged_over_the_selected_samples()
    {
        var metric = new Mean("nll");
        metric.Update(tensor(new[] { 1f, 2f, 3f, 10f }), zeros(4), tensor(new[] { true, true, true, false }));
        Assert.Equal(2.0, metric.Compute(), 12);
        Assert.Equal("nll", metric.Name);
    }

    [Fact]
    public void Plain_numbers_can_be_added_with_a_weight()
    {
        var metric = new Mean("score", higherIsBetter: true);
        metric.Add(1, 3);
        metric.Add(5);
        Assert.Equal(2.0, metric.Compute(), 12);
        Assert.True(metric.HigherIsBetter);
        metric.Reset();
        Assert.True(double.IsNaN(metric.Compute()));
    }

    [Fact]
    public void A_loss_that_carries_gradients_is_accepted()
    {
        var leaf = tensor(new[] { 1f, 3f }).requires_grad_(true);
        var metric = new Mean();
        metric.Update(leaf.mean(), zeros(2));
        Assert.Equal(2.0, metric.Compute(), 12);
    }

    [Fact]
    public void Values_that_are_neither_a_scalar_nor_one_per_sample_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Mean().Update(zeros(3), zeros(4)));
        Assert.Contains("loss", error.Message);
        Assert.Contains("[3]", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [Fact]
    public void A_negative_weight_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Mean().Add(1, -1));
        Assert.Equal("weight", error.ParamName);
    }
}
