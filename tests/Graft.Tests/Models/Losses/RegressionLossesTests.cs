using Graft.Models.Losses;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Losses;

public class RegressionLossesTests
{
    private static Tensor Prediction() => tensor(new float[] { 1, -2, 0.5f, 3 });

    private static Tensor Target() => zeros(4);

    [Fact]
    public void Mse_is_the_mean_squared_difference()
    {
        using var p = Prediction();
        using var t = Target();
        var (value, gradient) = LossTestKit.ValueAndGradient(new SquaredError(), p, t);
        Assert.Equal((1 + 4 + 0.25 + 9) / 4.0, value, 5);
        Assert.Equal(new[] { 0.5f, -1f, 0.25f, 1.5f }, gradient);
    }

    [Fact]
    public void L1_is_the_mean_absolute_difference()
    {
        using var p = Prediction();
        using var t = Target();
        Assert.Equal((1 + 2 + 0.5 + 3) / 4.0, LossTestKit.ValueAndGradient(new AbsoluteError(), p, t).Value, 5);
    }

    [Fact]
    public void Smooth_l1_is_squared_below_beta_and_absolute_above()
    {
        using var p = Prediction();
        using var t = Target();
        // beta 1: |d| 1 → 0.5, 2 → 1.5, 0.5 → 0.125, 3 → 2.5.
        Assert.Equal((0.5 + 1.5 + 0.125 + 2.5) / 4, LossTestKit.ValueAndGradient(new SmoothL1(), p, t).Value, 5);
        // beta 4: all squared, 0.5 d² / 4.
        Assert.Equal((1 + 4 + 0.25 + 9) / 8 / 4, LossTestKit.ValueAndGradient(new SmoothL1(beta: 4), p, t).Value, 5);
        // beta 0: the L1 loss.
        Assert.Equal(1.625, LossTestKit.ValueAndGradient(new SmoothL1(beta: 0), p, t).Value, 5);
    }

    [Fact]
    public void Several_values_per_sample_are_averaged_per_sample_then_over_present_samples()
    {
        using var p = tensor(new float[,] { { 2, 0 }, { 1, 1 }, { 9, 9 } });
        using var t = tensor(new float[,] { { 0, 0 }, { 0, 0 }, { float.NaN, 0 } });
        using var mask = tensor(new[] { true, true, false });
        var (value, gradient) = LossTestKit.ValueAndGradient(new SquaredError(), p, t, mask);
        Assert.Equal((2.0 + 1.0) / 2, value, 5);
        Assert.Equal(new[] { 1f, 0f, 0.5f, 0.5f, 0f, 0f }, gradient);
    }

    [Fact]
    public void A_prediction_with_a_trailing_one_fits_a_flat_target()
    {
        using var p = tensor(new float[,] { { 1 }, { 3 } });
        using var t = tensor(new double[] { 0, 0 });
        Assert.Equal(2.0, LossTestKit.ValueAndGradient(new AbsoluteError(), p, t).Value, 5);
    }

    [Fact]
    public void An_all_masked_batch_gives_exactly_zero_with_zero_gradient()
    {
        using var p = Prediction();
        using var t = full(4, float.NaN);
        LossTestKit.AllMaskedGivesZero(new SquaredError(), p, t);
        LossTestKit.AllMaskedGivesZero(new AbsoluteError(), p, t);
        LossTestKit.AllMaskedGivesZero(new SmoothL1(beta: 0.5), p, t);
    }

    [Fact]
    public void Wrong_inputs_are_refused_with_the_shapes_and_counts()
    {
        using var p = zeros(4, 2);
        using var t = zeros(4, 3);
        var shape = Assert.Throws<ArgumentException>(() => new SquaredError().Compute([p, t]));
        Assert.Equal("mse: the prediction has shape [4, 2] but the target has [4, 3]; they must match.", shape.Message);
        var count = Assert.Throws<ArgumentException>(() => new AbsoluteError().Compute([p]));
        Assert.StartsWith("l1: takes 2 inputs (prediction, target); 1 were given.", count.Message);
        using var mask = ones(3, dtype: ScalarType.Bool);
        var badMask = Assert.Throws<ArgumentException>(() => new SmoothL1().Compute([p, p], mask));
        Assert.StartsWith("smooth_l1: the mask has shape [3] but the batch has 4 samples", badMask.Message);
        Assert.Throws<ArgumentException>(() => new SmoothL1(beta: -1));
    }
}
