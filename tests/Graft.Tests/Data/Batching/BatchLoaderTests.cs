using Graft.Data;
using Graft.Data.Augmentation;
using Graft.Data.Batching;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Batching;

public class BatchLoaderTests
{
    private static TensorDataset Numbers(int n) =>
        new TensorDataset().WithFeature("x", arange(n, ScalarType.Float32).reshape(n, 1)).WithLabel("y", arange(n, ScalarType.Int64) % 3, LabelKind.Class);

    private static List<long> Visit(BatchLoader loader, int epoch)
    {
        var seen = new List<long>();
        foreach (var batch in loader.Epoch(epoch))
            using (batch) seen.AddRange(batch["x"].data<float>().ToArray().Select(v => (long)v));
        return seen;
    }

    [Fact]
    public void Each_epoch_has_its_own_order_reproducible_from_the_seed()
    {
        using var data = Numbers(100);
        var a = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 16, Seed: 5, Prefetch: 2));
        var b = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 16, Seed: 5, Prefetch: 0));
        var epoch0 = Visit(a, 0);
        Assert.Equal(epoch0, Visit(b, 0));
        Assert.Equal(Visit(a, 1), Visit(b, 1));
        Assert.NotEqual(epoch0, Visit(a, 1));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), epoch0.Order());
    }

    [Fact]
    public void Without_shuffling_batches_follow_the_given_indices()
    {
        using var data = Numbers(10);
        var loader = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 3, Shuffle: false), new long[] { 9, 1, 4, 7 });
        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(new long[] { 9, 1, 4, 7 }, Visit(loader, 0));
    }

    [Fact]
    public void Drop_last_drops_only_the_short_batch()
    {
        using var data = Numbers(10);
        var loader = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 4, DropLast: true));
        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(8, Visit(loader, 0).Count);
    }

    [Fact]
    public void Resuming_in_the_middle_of_an_epoch_yields_the_remaining_batches()
    {
        using var data = Numbers(50);
        var loader = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 10, Seed: 1));
        var all = Visit(loader, 2);
        var rest = new List<long>();
        foreach (var batch in loader.Epoch(2, skipBatches: 3))
            using (batch) rest.AddRange(batch["x"].data<float>().ToArray().Select(v => (long)v));
        Assert.Equal(all.Skip(30), rest);
    }

    [Fact]
    public void Automatic_prefetch_is_off_for_in_memory_data_and_on_for_lazily_read_data()
    {
        using var data = Numbers(4);
        var automatic = new BatchLoaderOptions();
        Assert.Equal(0, automatic.PrefetchFor(data));
        Assert.Equal(BatchLoaderOptions.DefaultLazyPrefetch, automatic.PrefetchFor(new FailingDataset()));
        Assert.Equal(3, (automatic with { Prefetch = 3 }).PrefetchFor(data));
    }

    [Fact]
    public void Prefetched_batches_are_prepared_on_one_thread_per_epoch()
    {
        var dataset = new ThreadRecordingDataset();
        var loader = new BatchLoader(dataset, new BatchLoaderOptions(BatchSize: 2, Shuffle: false, Prefetch: 1));
        foreach (var batch in loader.Epoch(0)) batch.Dispose();
        Assert.Equal(50, dataset.Calls);
        Assert.Single(dataset.Threads);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, dataset.Threads);
    }

    private sealed class ThreadRecordingDataset : IDataset
    {
        public HashSet<int> Threads { get; } = new();

        public int Calls { get; private set; }

        public long Count => 100;

        public DatasetSchema Schema => Numbers(1).Schema;

        public Batch GetBatch(ReadOnlySpan<long> indices)
        {
            lock (Threads)
            {
                Threads.Add(Environment.CurrentManagedThreadId);
                Calls++;
            }

            using var numbers = Numbers(indices.Length);
            return numbers.GetBatch(Enumerable.Range(0, indices.Length).Select(i => (long)i).ToArray());
        }
    }

    [Fact]
    public async Task Stopping_early_with_prefetch_does_not_hang()
    {
        using var data = Numbers(1000);
        var loader = new BatchLoader(data, new BatchLoaderOptions(BatchSize: 10, Prefetch: 2));
        var task = Task.Run(() =>
        {
            foreach (var batch in loader.Epoch(0))
            {
                batch.Dispose();
                break;
            }
        });
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(task, finished);
    }

    [Fact]
    public void An_error_while_preparing_a_batch_reaches_the_consumer()
    {
        var loader = new BatchLoader(new FailingDataset(), new BatchLoaderOptions(BatchSize: 2, Prefetch: 2));
        var e = Assert.Throws<InvalidOperationException>(() => loader.Epoch(0).ToList());
        Assert.Equal("cannot read sample file", e.Message);
    }

    [Fact]
    public void Augmentations_are_reproducible_under_the_seed_and_differ_between_epochs()
    {
        using var data = Numbers(8);
        var options = new BatchLoaderOptions(BatchSize: 8, Shuffle: false, Seed: 11, Augmentations: new[] { new FeatureAugmentation("x", new[] { new AddNoise() }) });
        float[] Run(int epoch)
        {
            using var b = new BatchLoader(data, options).Epoch(epoch).Single();
            return b["x"].data<float>().ToArray();
        }

        Assert.Equal(Run(0), Run(0));
        Assert.NotEqual(Run(0), Run(1));
    }

    [Fact]
    public void An_augmentation_of_an_unknown_feature_is_refused_with_the_known_ones()
    {
        using var data = Numbers(4);
        var e = Assert.Throws<ArgumentException>(() => new BatchLoader(data, new BatchLoaderOptions(Augmentations: new[] { new FeatureAugmentation("image", new[] { new AddNoise() }) })));
        Assert.Contains("'image'", e.Message);
        Assert.Contains("x", e.Message);
    }

    private sealed class AddNoise : IBatchAugmentation
    {
        public Tensor Apply(Tensor batch, Generator generator)
        {
            using var noise = rand(batch.shape, generator: generator);
            return batch + noise;
        }
    }

    private sealed class FailingDataset : IDataset
    {
        public long Count => 10;

        public DatasetSchema Schema { get; } = new(new[] { new FeatureInfo("x", Array.Empty<long>(), ScalarType.Float32) }, Array.Empty<LabelInfo>());

        public Batch GetBatch(ReadOnlySpan<long> indices) => throw new InvalidOperationException("cannot read sample file");
    }
}
