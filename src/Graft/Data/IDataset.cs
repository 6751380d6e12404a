namespace Graft.Data;

/// <summary>
/// A dataset of named tensors: every feature and label shares the leading sample dimension. Implementations may hold
/// everything in memory (<see cref="TensorDataset"/>) or load samples lazily from files.
/// </summary>
public interface IDataset
{
    /// <summary>The number of samples.</summary>
    long Count { get; }

    /// <summary>The names, shapes and kinds of the dataset's tensors.</summary>
    DatasetSchema Schema { get; }

    /// <summary>
    /// Gathers the samples at <paramref name="indices"/> (in that order) into a new batch, which the caller owns and
    /// disposes. Implementations must be safe to call from a background thread (prefetching).
    /// </summary>
    Batch GetBatch(ReadOnlySpan<long> indices);

    /// <summary>
    /// Whether every sample is already in memory, so that gathering a batch costs only a copy. A
    /// <see cref="Batching.BatchLoader"/> with automatic prefetch prepares batches of such datasets on the caller's
    /// thread (a background thread would only compete with training for the cores) and prefetches all others.
    /// </summary>
    bool IsInMemory => false;
}
