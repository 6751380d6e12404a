using Graft.Models.Losses;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Losses;

public class BinaryCrossEntropyTests
{
    [Fact]
    public void The_value_averages_each_samples_elements_then_the_samples()
    {
        // Logit 0 costs log 2 whatever the target; logit ln 3 with target 1 costs -log(3/4).
        using var logits = tensor(new float[,] { { 0, 0 }, { (float)Math.Log(3), (float)Math.Log(3) } });
        using var target = tensor(new float[,] { { 1, 0 }, { 1, 1 } });
        var (value, _) = LossTestKit.ValueAndGradient(new BinaryCrossEntropy(), logits, target);
        Assert.Equal((Math.Log(2) + -Math.Log(0.75)) / 2, value, 5);
    }

    [Fact]
    public void Pos_weight_scales_only_the_positive_term()
    {
        using var logits = tensor(new float[] { 0, 0 });
        using var positive = tensor(new float[] { 1, 1 });
        using var negative = tensor(new float[] { 0, 0 });
        Assert.Equal(2 * Math.Log(2), LossTestKit.ValueAndGradient(new BinaryCrossEntropy(posWeight: 2), logits, positive).Value, 5);
        Assert.Equal(Math.Log(2), LossTestKit.ValueAndGradient(new BinaryCrossEntropy(posWeight: 2), logits, negative).Value, 5);
    }

    [Fact]
    public void Logits_with_a_trailing_one_fit_a_flat_target()
    {
        using var logits = zeros(3, 1);
        using var target = tensor(new float[] { 1, 0, 1 });
        Assert.Equal(Math.Log(2), LossTestKit.ValueAndGradient(new BinaryCrossEntropy(), logits, target).Value, 5);
    }

    [Fact]
    public void Masked_samples_with_NaN_placeholders_count_for_nothing()
    {
        using var logits = tensor(new float[,] { { 0, 0 }, { 3, -3 } });
        using var target = tensor(new float[,] { { 1, 0 }, { float.NaN, float.NaN } });
        using var mask = tensor(new[] { 1, 0 });
        var (value, gradient) = LossTestKit.ValueAndGradient(new BinaryCrossEntropy(), logits, target, mask);
        Assert.Equal(Math.Log(2), value, 5);
        Assert.Equal(new[] { -0.25f, 0.25f, 0, 0 }, gradient);
    }

    [Fact]
    public void An_all_masked_batch_gives_exactly_zero_with_zero_gradient()
    {
        using var logits = tensor(new float[,] { { 0, 4 }, { 3, -3 } });
        using var target = full(2, 2, float.NaN);
        LossTestKit.AllMaskedGivesZero(new BinaryCrossEntropy(posWeight: 3), logits, target);
    }

    [Fact]
    public void Shapes_that_differ_are_refused_with_both_shapes()
    {
        using var logits = zeros(2, 3);
        using var target = zeros(2, 2);
        var e = Assert.Throws<ArgumentException>(() => new BinaryCrossEntropy().Compute([logits, target]));
        Assert.Equal("binary_cross_entropy: the prediction has shape [2, 3] but the target has [2, 2]; they must match.", e.Message);
        Assert.Throws<ArgumentException>(() => new BinaryCrossEntropy(posWeight: 0));
    }
}
