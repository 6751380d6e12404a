using Graft.Data.Catalog;
using static TorchSharp.torch;

namespace Graft.Bench.Studies.RankingQuality;

/// <summary>
/// Fashion-MNIST in memory, cut into class subsets: the first samples of the given classes within a range of the
/// training split (so pool models and target tasks can draw from disjoint ranges), or of the test split. Labels are
/// re-numbered 0, 1, ... in the order the classes are given.
/// </summary>
internal sealed class FashionMnistSubsets : IDisposable
{
    private readonly Tensor trainImages;
    private readonly Tensor testImages;
    private readonly long[] trainLabels;
    private readonly long[] testLabels;

    private FashionMnistSubsets(Tensor trainImages, long[] trainLabels, Tensor testImages, long[] testLabels)
    {
        this.trainImages = trainImages;
        this.trainLabels = trainLabels;
        this.testImages = testImages;
        this.testLabels = testLabels;
    }

    /// <summary>How many training samples there are.</summary>
    public long TrainCount => trainLabels.LongLength;

    /// <summary>Loads both splits (images <c>float32 [N, 1, 28, 28]</c> in [0, 1]).</summary>
    public static FashionMnistSubsets Load()
    {
        using var train = FashionMnist.Load(FashionMnistSplit.Train);
        using var test = FashionMnist.Load(FashionMnistSplit.Test);
        return new FashionMnistSubsets(
            train.Feature("image").detach().clone(), Labels(train.Label("label").Values),
            test.Feature("image").detach().clone(), Labels(test.Label("label").Values));
    }

    /// <summary>The first <paramref name="count"/> training samples of <paramref name="classes"/> with index in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <exception cref="InvalidOperationException">The range holds fewer such samples.</exception>
    public (Tensor X, Tensor Y) Train(IReadOnlyList<int> classes, long from, long to, int count) =>
        Take(trainImages, trainLabels, classes, from, Math.Min(to, trainLabels.LongLength), count, "training");

    /// <summary>The first <paramref name="count"/> test samples of <paramref name="classes"/> (fewer when the test split has fewer).</summary>
    public (Tensor X, Tensor Y) Test(IReadOnlyList<int> classes, int count) =>
        Take(testImages, testLabels, classes, 0, testLabels.LongLength, Math.Min(count, testLabels.Count(l => classes.Contains((int)l))), "test");

    /// <inheritdoc />
    public void Dispose()
    {
        trainImages.Dispose();
        testImages.Dispose();
    }

    private static long[] Labels(Tensor values)
    {
        using var longs = values.to_type(ScalarType.Int64).flatten();
        return longs.data<long>().ToArray();
    }

    private static (Tensor X, Tensor Y) Take(Tensor images, long[] labels, IReadOnlyList<int> classes, long from, long to, int count, string split)
    {
        var position = classes.Select((c, i) => (c, i)).ToDictionary(p => (long)p.c, p => (long)p.i);
        var indices = new List<long>(count);
        var renumbered = new List<long>(count);
        for (long i = from; i < to && indices.Count < count; i++)
        {
            if (!position.TryGetValue(labels[i], out long label)) continue;
            indices.Add(i);
            renumbered.Add(label);
        }

        if (indices.Count < count)
            throw new InvalidOperationException($"the {split} split holds only {indices.Count} samples of classes {{{string.Join(", ", classes)}}} in [{from}, {to}); {count} are needed.");
        using var index = tensor(indices.ToArray(), ScalarType.Int64);
        return (images.index_select(0, index), tensor(renumbered.ToArray(), ScalarType.Int64));
    }
}
