using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>
/// Mirrors each image of a <c>[B, C, H, W]</c> batch left-to-right with probability <see cref="Probability"/>,
/// independently per sample. One uniform draw per sample (<c>rand</c>, shape <c>[B]</c>) decides: the sample is flipped
/// when its draw is below the probability, so 0 never flips and 1 always flips.
/// </summary>
public sealed class RandomHorizontalFlip : IBatchAugmentation
{
    /// <summary>Creates the flip.</summary>
    /// <param name="p">The probability that a sample is flipped, from 0 to 1.</param>
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "The flip probability must be between 0 and 1.");
        Probability = p;
    }

    /// <summary>The probability that a sample is flipped.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The batch is not <c>[B, C, H, W]</c>.</exception>
    public Tensor Apply(Tensor batch, Generator generator)
    {
        AugmentationChecks.ImageBatch(batch, nameof(RandomHorizontalFlip));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        var draws = torch.rand([batch.shape[0]], ScalarType.Float64, generator: generator).to(batch.device);
        var flip = draws.lt(Probability).view(batch.shape[0], 1, 1, 1);
        var result = torch.where(flip, batch.flip(3), batch);
        return result.MoveToOuterDisposeScope();
    }
}
