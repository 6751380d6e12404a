using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>
/// Adds independent normal noise with mean 0 and standard deviation <see cref="StdDev"/> to every element of a
/// floating-point batch (any shape with the batch first, typically <c>[B, C, H, W]</c>). When <see cref="Clamp01"/> is
/// true (the default, for images in [0, 1]) the result is clamped to [0, 1]; set it to false for normalised inputs.
/// </summary>
/// <remarks>The random draws, from the given generator: one <c>randn</c> tensor of the batch's shape.</remarks>
public sealed class GaussianNoise : IBatchAugmentation
{
    /// <summary>Creates the noise.</summary>
    /// <param name="stdDev">The standard deviation of the noise (finite, at least 0).</param>
    /// <param name="clamp01">Whether to clamp the result to [0, 1].</param>
    public GaussianNoise(double stdDev, bool clamp01 = true)
    {
        if (!double.IsFinite(stdDev) || stdDev < 0)
            throw new ArgumentOutOfRangeException(nameof(stdDev), stdDev, "The noise standard deviation must be a finite number of at least 0.");
        StdDev = stdDev;
        Clamp01 = clamp01;
    }

    /// <summary>The standard deviation of the noise.</summary>
    public double StdDev { get; }

    /// <summary>Whether the result is clamped to [0, 1].</summary>
    public bool Clamp01 { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The batch is not floating point or has no batch dimension.</exception>
    public Tensor Apply(Tensor batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        if (!batch.is_floating_point() || batch.dim() == 0)
            throw new ArgumentException(
                $"GaussianNoise needs a floating-point batch with a leading batch dimension; the tensor is {batch.dtype} [{string.Join(", ", batch.shape)}].", nameof(batch));
        using var scope = torch.NewDisposeScope();
        var noise = torch.randn(batch.shape, batch.dtype, generator: generator).to(batch.device);
        var result = batch + noise.mul_(StdDev);
        if (Clamp01) result = result.clamp_(0, 1);
        return result.MoveToOuterDisposeScope();
    }
}
