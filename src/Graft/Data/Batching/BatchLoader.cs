using System.Collections.Concurrent;
using Graft.Data.Augmentation;
using Graft.Data.Splits;
using static TorchSharp.torch;

namespace Graft.Data.Batching;

/// <summary>
/// Cuts a dataset (or a part of it, given by indices) into batches. With shuffling, every epoch has its own order,
/// reproducible from the seed and the epoch number alone — so a resumed run sees exactly the batches it would have
/// seen (TorchSharp's DataLoader re-uses one order per seed). Batches of lazily loaded data are prepared ahead on a
/// background thread, which hides the cost of reading files and augmenting.
/// </summary>
/// <example>
/// <code>
/// var loader = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 128, Seed: 7), split.Train);
/// for (int epoch = 0; epoch &lt; 3; epoch++)
///     foreach (var batch in loader.Epoch(epoch))
///         using (batch) { /* train on batch["image"], batch["label"], batch.Mask("label") */ }
/// </code>
/// </example>
public sealed class BatchLoader
{
    private readonly IDataset _dataset;
    private readonly long[] _indices;

    /// <summary>Creates a loader over <paramref name="indices"/> of <paramref name="dataset"/> (all samples when null).</summary>
    public BatchLoader(IDataset dataset, BatchLoaderOptions? options = null, IReadOnlyList<long>? indices = null)
    {
        Options = options ?? new BatchLoaderOptions();
        Options.Validate();
        _dataset = dataset;
        _indices = indices?.ToArray() ?? Enumerable.Range(0, checked((int)dataset.Count)).Select(i => (long)i).ToArray();
        foreach (var i in _indices)
            if (i < 0 || i >= dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Sample index {i} is outside the dataset (0..{dataset.Count - 1}).");
        if (Options.Augmentations is not null)
            foreach (var a in Options.Augmentations)
                if (dataset.Schema.Features.All(f => f.Name != a.Feature))
                    throw new ArgumentException($"An augmentation names feature '{a.Feature}', which the dataset does not have. Its features are: {string.Join(", ", dataset.Schema.Features.Select(f => f.Name))}.");
    }

    /// <summary>The loader's options.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>The dataset batches are drawn from.</summary>
    public IDataset Dataset => _dataset;

    /// <summary>The number of samples the loader visits per epoch (before dropping a short last batch).</summary>
    public long SampleCount => _indices.LongLength;

    /// <summary>The number of batches per epoch.</summary>
    public int BatchesPerEpoch => (int)(Options.DropLast ? SampleCount / Options.BatchSize : (SampleCount + Options.BatchSize - 1) / Options.BatchSize);

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the samples (dataset indices).</summary>
    public long[] Order(int epoch)
    {
        var order = (long[])_indices.Clone();
        if (Options.Shuffle) SeededShuffle.Shuffle(order, SeededShuffle.Combine(Options.Seed, epoch, 0x5EED));
        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, starting at batch <paramref name="skipBatches"/> (to resume in
    /// the middle of an epoch). The caller owns and disposes each batch.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0)
    {
        var order = Order(epoch);
        int count = BatchesPerEpoch;
        int prefetch = Options.PrefetchFor(_dataset);
        return prefetch == 0 ? Sequential(order, epoch, skipBatches, count) : Prefetched(order, epoch, skipBatches, count, prefetch);
    }

    private IEnumerable<Batch> Sequential(long[] order, int epoch, int skip, int count)
    {
        for (int b = skip; b < count; b++) yield return Make(order, epoch, b);
    }

    /// <summary>
    /// Prepares batches on one dedicated thread that lives for the epoch. One thread, not thread-pool continuations:
    /// every thread that calls into libtorch gets an OpenMP team of its own, and teams left behind on pool threads make
    /// OpenMP throttle its spinning for the training thread too, which slows every later epoch.
    /// </summary>
    private IEnumerable<Batch> Prefetched(long[] order, int epoch, int skip, int count, int prefetch)
    {
        using var queue = new BlockingCollection<Batch>(new ConcurrentQueue<Batch>(), prefetch);
        using var cancel = new CancellationTokenSource();
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                for (int b = skip; b < count && !cancel.IsCancellationRequested; b++)
                {
                    var batch = Make(order, epoch, b);
                    try
                    {
                        queue.Add(batch, cancel.Token);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "graft-prefetch",
        };
        producer.Start();

        try
        {
            foreach (var next in queue.GetConsumingEnumerable())
                yield return next;
            producer.Join();
            if (failure is not null)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        finally
        {
            // The consumer stopped (or finished): stop the producer and dispose what it prepared in vain.
            cancel.Cancel();
            producer.Join();
            while (queue.TryTake(out var left)) left.Dispose();
        }
    }

    private Batch Make(long[] order, int epoch, int batchIndex)
    {
        int start = batchIndex * Options.BatchSize;
        int length = (int)Math.Min(Options.BatchSize, order.LongLength - start);
        var batch = _dataset.GetBatch(order.AsSpan(start, length));
        if (Options.Augmentations is { Count: > 0 } augmentations)
        {
            try
            {
                using var generator = AugmentationSeeds.For(Options.Seed, epoch, batchIndex);
                foreach (var a in augmentations) a.ApplyTo(batch, generator);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }

        return batch;
    }
}
