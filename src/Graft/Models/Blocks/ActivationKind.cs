using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>The non-linearity a block applies after its normalisation.</summary>
public enum ActivationKind
{
    /// <summary>Rectified linear unit, <c>max(0, x)</c>.</summary>
    ReLU,

    /// <summary>Gaussian error linear unit (exact form).</summary>
    GELU,

    /// <summary>Leaky ReLU with negative slope 0.01.</summary>
    LeakyReLU,

    /// <summary>Sigmoid linear unit (swish), <c>x * sigmoid(x)</c>.</summary>
    SiLU,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
}

/// <summary>Creates activation modules.</summary>
internal static class Activations
{
    internal static nn.Module<Tensor, Tensor> Create(ActivationKind kind) => kind switch
    {
        ActivationKind.ReLU => nn.ReLU(),
        ActivationKind.GELU => nn.GELU(),
        ActivationKind.LeakyReLU => nn.LeakyReLU(0.01),
        ActivationKind.SiLU => nn.SiLU(),
        ActivationKind.Tanh => nn.Tanh(),
        _ => throw new ArgumentException($"activation {(int)kind} is not one of {string.Join(", ", Enum.GetNames<ActivationKind>())}.", nameof(kind)),
    };

    internal static void Check(ActivationKind kind, string parameter)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentException($"{parameter} must be one of {string.Join(", ", Enum.GetNames<ActivationKind>())}; it is {(int)kind}.", parameter);
    }
}

/// <summary>Formatting and checking of shapes for error messages.</summary>
internal static class Shapes
{
    internal static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    internal static string Of(Tensor t) => Format(t.shape);
}
