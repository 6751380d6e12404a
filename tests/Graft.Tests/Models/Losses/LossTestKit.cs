using Graft.Models.Losses;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Losses;

internal static class LossTestKit
{
    /// <summary>The loss's value, and the gradient it sends to the first input.</summary>
    public static (double Value, float[] Gradient) ValueAndGradient(ILoss loss, Tensor first, Tensor second, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var leaf = first.detach().clone().requires_grad_(true);
        var value = loss.Compute([leaf, second], mask);
        Assert.Empty(value.shape);
        value.backward();
        return (value.item<float>(), leaf.grad!.data<float>().ToArray());
    }

    /// <summary>Asserts that every value is within 1e-5 of the expected one.</summary>
    public static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    /// <summary>Asserts the all-masked case: the value is exactly zero and so is every gradient.</summary>
    public static void AllMaskedGivesZero(ILoss loss, Tensor first, Tensor second)
    {
        using var mask = zeros(first.shape[0], dtype: ScalarType.Bool);
        var (value, gradient) = ValueAndGradient(loss, first, second, mask);
        Assert.Equal(0.0, value);
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }
}
