using Graft.Data.Augmentation;

namespace Graft.Data.Batching;

/// <summary>How a <see cref="BatchLoader"/> cuts a dataset into batches.</summary>
/// <param name="BatchSize">Samples per batch (at least 1).</param>
/// <param name="Shuffle">Whether each epoch visits the samples in a new order. The order of epoch <c>e</c> depends only on <see cref="Seed"/> and <c>e</c>.</param>
/// <param name="Seed">The seed of the shuffle and of the augmentations.</param>
/// <param name="DropLast">Whether to drop a last batch smaller than <see cref="BatchSize"/>.</param>
/// <param name="Prefetch">How many batches to prepare ahead on a background thread (0: prepare on the caller's thread; null: automatic — none for in-memory datasets, whose batches cost only a copy, and 2 for datasets loaded lazily from files).</param>
/// <param name="Augmentations">Random augmentations applied to features of every batch (training only, typically).</param>
public sealed record BatchLoaderOptions(
    int BatchSize = 64,
    bool Shuffle = true,
    long Seed = 0,
    bool DropLast = false,
    int? Prefetch = null,
    IReadOnlyList<FeatureAugmentation>? Augmentations = null)
{
    /// <summary>The number of batches prepared ahead when <see cref="Prefetch"/> is automatic and the data is read lazily.</summary>
    public const int DefaultLazyPrefetch = 2;

    /// <summary>How many batches are prepared ahead for <paramref name="dataset"/>: <see cref="Prefetch"/>, or the automatic choice.</summary>
    public int PrefetchFor(IDataset dataset) => Prefetch ?? (dataset.IsInMemory ? 0 : DefaultLazyPrefetch);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"The batch size must be at least 1; it is {BatchSize}.");
        if (Prefetch < 0) throw new ArgumentException($"Prefetch must not be negative; it is {Prefetch}.");
    }
}
