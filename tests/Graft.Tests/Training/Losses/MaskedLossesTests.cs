using Graft.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Losses;

public class MaskedLossesTests
{
    private static Tensor Leaf(float[] values, params long[] shape) => tensor(values).reshape(shape).requires_grad_(true);

    private static float[] Grad(Tensor leaf) => leaf.grad!.data<float>().ToArray();

    private static Tensor Mask(params bool[] present) => tensor(present);

    [Fact]
    public void Cross_entropy_of_an_all_masked_batch_is_exactly_zero_with_zero_gradients_whatever_the_placeholders()
    {
        var logits = Leaf(new[] { 1f, -2f, 0.5f, 3f, 0f, -1f }, 2, 3);
        var target = tensor(new long[] { -1, 7 }); // placeholders that are not even valid classes

        var loss = MaskedLosses.CrossEntropy(logits, target, Mask(false, false));
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(Grad(logits), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Mean_squared_error_of_an_all_masked_batch_is_exactly_zero_even_with_NaN_placeholders()
    {
        var prediction = Leaf(new[] { 1f, 2f, 3f }, 3, 1);
        var target = tensor(new[] { float.NaN, float.NaN, float.NaN });

        var loss = MaskedLosses.MeanSquaredError(prediction, target, Mask(false, false, false));
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(Grad(prediction), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Binary_cross_entropy_of_an_all_masked_batch_is_exactly_zero_even_with_NaN_placeholders()
    {
        var logits = Leaf(new[] { 1f, -1f, 2f, 0f }, 2, 2);
        var target = full(new long[] { 2, 2 }, float.NaN);

        var loss = MaskedLosses.BinaryCrossEntropyWithLogits(logits, target, Mask(false, false));
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(Grad(logits), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Partially_masked_cross_entropy_equals_the_loss_on_the_present_rows()
    {
        var values = new[] { 1f, -2f, 0.5f, 3f, 0f, -1f, 0.2f, 0.1f, -0.3f, 2f, 2f, -2f };
        var logits = Leaf(values, 4, 3);
        var target = tensor(new long[] { 2, -1, 1, 0 });
        var present = Mask(true, false, true, true);

        var loss = MaskedLosses.CrossEntropy(logits, target, present);
        loss.backward();

        var rows = tensor(new long[] { 0, 2, 3 });
        var reference = nn.functional.cross_entropy(tensor(values).reshape(4, 3).index_select(0, rows), tensor(new long[] { 2, 1, 0 }));
        Assert.Equal(reference.item<float>(), loss.item<float>(), 6);
        var grad = Grad(logits);
        Assert.All(grad[3..6], g => Assert.Equal(0f, g));
        Assert.Contains(grad[..3], g => g != 0f);
    }

    [Fact]
    public void Partially_masked_mean_squared_error_equals_the_error_on_the_present_rows_and_ignores_NaN_placeholders()
    {
        var prediction = Leaf(new[] { 1f, 2f, 3f, 4f }, 4, 1);
        var target = tensor(new[] { 0f, float.NaN, 1f, float.NaN });

        var loss = MaskedLosses.MeanSquaredError(prediction, target, Mask(true, false, true, false));
        loss.backward();

        Assert.Equal((1f + 4f) / 2, loss.item<float>(), 6);
        Assert.Equal(new[] { 1f, 0f, 2f, 0f }, Grad(prediction)); // d/dp of mean over 2 rows: (p - t)
    }

    [Fact]
    public void Partially_masked_binary_cross_entropy_averages_the_present_rows_over_their_flags()
    {
        var values = new[] { 1f, -1f, 2f, 0f, 0.5f, -0.5f };
        var logits = Leaf(values, 3, 2);
        var target = tensor(new[] { 1f, 0f, float.NaN, float.NaN, 0f, 1f }).reshape(3, 2);

        var loss = MaskedLosses.BinaryCrossEntropyWithLogits(logits, target, Mask(true, false, true));

        var rows = tensor(new long[] { 0, 2 });
        var reference = nn.functional.binary_cross_entropy_with_logits(tensor(values).reshape(3, 2).index_select(0, rows), tensor(new[] { 1f, 0f, 0f, 1f }).reshape(2, 2));
        Assert.Equal(reference.item<float>(), loss.item<float>(), 6);
    }

    [Fact]
    public void Without_a_mask_every_row_counts_and_a_numeric_mask_works_like_a_boolean_one()
    {
        var logits = tensor(new[] { 1f, -2f, 3f, 0f }).reshape(2, 2);
        var target = tensor(new long[] { 0, 1 });
        var plain = MaskedLosses.CrossEntropy(logits, target);
        Assert.Equal(nn.functional.cross_entropy(logits, target).item<float>(), plain.item<float>(), 6);

        var numeric = MaskedLosses.CrossEntropy(logits, target, tensor(new[] { 1f, 0f }));
        var boolean = MaskedLosses.CrossEntropy(logits, target, Mask(true, false));
        Assert.Equal(boolean.item<float>(), numeric.item<float>());
    }

    [Fact]
    public void Masked_mean_of_nothing_present_is_zero()
    {
        var perSample = tensor(new[] { 5f, 7f });
        Assert.Equal(0f, MaskedLosses.MaskedMean(perSample, Mask(false, false)).item<float>());
        Assert.Equal(7f, MaskedLosses.MaskedMean(perSample, Mask(false, true)).item<float>());
        Assert.Equal(6f, MaskedLosses.MaskedMean(perSample, null).item<float>());
    }

    [Fact]
    public void Shape_errors_name_both_shapes()
    {
        var ce = Assert.Throws<ArgumentException>(() => MaskedLosses.CrossEntropy(zeros(4, 3), zeros(new long[] { 5 }, ScalarType.Int64)));
        Assert.Contains("[4, 3]", ce.Message);
        Assert.Contains("[5]", ce.Message);

        var mse = Assert.Throws<ArgumentException>(() => MaskedLosses.MeanSquaredError(zeros(4, 2), zeros(4)));
        Assert.Contains("mse", mse.Message);
        Assert.Contains("[4, 2]", mse.Message);
        Assert.Contains("[4]", mse.Message);

        var mask = Assert.Throws<ArgumentException>(() => MaskedLosses.MeanSquaredError(zeros(4), zeros(4), Mask(true, false)));
        Assert.Contains("mask", mask.Message);
        Assert.Contains("[2]", mask.Message);
        Assert.Contains("[4]", mask.Message);
    }
}
