using Graft.Models.Losses;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Losses;

public class CrossEntropyTests
{
    private static readonly double A = Math.Log(1 + Math.Exp(-2)); // -log softmax([2, 0])[0]

    [Fact]
    public void The_value_is_the_mean_negative_log_probability_of_the_labels()
    {
        using var logits = tensor(new float[,] { { 2, 0 }, { 0, 0 } });
        using var target = tensor(new long[] { 0, 1 });
        var (value, gradient) = LossTestKit.ValueAndGradient(new CrossEntropy(), logits, target);
        Assert.Equal((A + Math.Log(2)) / 2, value, 5);
        // d/dlogits = (softmax - onehot) / B.
        double p0 = 1 / (1 + Math.Exp(-2));
        LossTestKit.AssertClose(new[] { (p0 - 1) / 2, (1 - p0) / 2, 0.25, -0.25 }, gradient);
    }

    [Fact]
    public void Label_smoothing_spreads_part_of_the_target_over_all_classes()
    {
        using var logits = tensor(new float[,] { { 2, 0 } });
        using var target = tensor(new long[] { 0 });
        var (value, _) = LossTestKit.ValueAndGradient(new CrossEntropy(labelSmoothing: 0.2), logits, target);
        // (1 - 0.2) * (-log p0) + 0.2 * mean(-log p0, -log p1), with -log p1 = 2 + A.
        Assert.Equal(0.8 * A + 0.1 * (A + 2 + A), value, 5);
    }

    [Fact]
    public void Class_probabilities_shaped_like_the_logits_are_soft_targets()
    {
        using var logits = tensor(new float[,] { { 0, 0 } });
        using var target = tensor(new float[,] { { 0.25f, 0.75f } });
        Assert.Equal(Math.Log(2), LossTestKit.ValueAndGradient(new CrossEntropy(), logits, target).Value, 5);
    }

    [Fact]
    public void Masked_samples_count_for_nothing_even_with_out_of_range_placeholders()
    {
        using var logits = tensor(new float[,] { { 2, 0 }, { 5, -5 } });
        using var target = tensor(new long[] { 0, -1 });
        using var mask = tensor(new[] { true, false });
        var (value, gradient) = LossTestKit.ValueAndGradient(new CrossEntropy(), logits, target, mask);
        Assert.Equal(A, value, 5);
        Assert.Equal(0f, gradient[2]);
        Assert.Equal(0f, gradient[3]);
    }

    [Fact]
    public void An_all_masked_batch_gives_exactly_zero_with_zero_gradient()
    {
        using var logits = tensor(new float[,] { { 2, 0 }, { 5, -5 } });
        using var target = tensor(new long[] { 7, -1 });
        LossTestKit.AllMaskedGivesZero(new CrossEntropy(), logits, target);
    }

    [Fact]
    public void Mismatched_shapes_are_refused_with_both_shapes()
    {
        using var logits = zeros(2, 3);
        using var target = zeros(2, 4, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => new CrossEntropy().Compute([logits, target]));
        Assert.Contains("got logits [2, 3] and target [2, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => new CrossEntropy(labelSmoothing: 1));
    }
}
