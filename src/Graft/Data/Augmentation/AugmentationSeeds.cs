using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>
/// Derives the random generator of one training batch from the run seed, the epoch and the batch index, so that a
/// seeded run augments identically however and on whichever thread batches are prepared. The three numbers are mixed
/// with SplitMix64 steps, so neighbouring epochs or batch indices give unrelated random streams.
/// </summary>
public static class AugmentationSeeds
{
    /// <summary>The 64-bit seed of batch <paramref name="batchIndex"/> of epoch <paramref name="epoch"/> in a run seeded with <paramref name="seed"/>.</summary>
    /// <param name="seed">The run seed.</param>
    /// <param name="epoch">The epoch (0-based).</param>
    /// <param name="batchIndex">The batch's index within the epoch (0-based).</param>
    public static ulong SeedFor(long seed, int epoch, long batchIndex)
    {
        ulong h = Mix(unchecked((ulong)seed));
        h = Mix(h ^ unchecked((ulong)epoch));
        h = Mix(h ^ unchecked((ulong)batchIndex));
        return h;
    }

    /// <summary>
    /// A new CPU generator seeded with <see cref="SeedFor"/>; the caller owns and disposes it.
    /// </summary>
    /// <param name="seed">The run seed.</param>
    /// <param name="epoch">The epoch (0-based).</param>
    /// <param name="batchIndex">The batch's index within the epoch (0-based).</param>
    public static Generator For(long seed, int epoch, long batchIndex) => new(SeedFor(seed, epoch, batchIndex), CPU);

    /// <summary>One SplitMix64 step: adds the golden-ratio increment and scrambles the bits.</summary>
    internal static ulong Mix(ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}
