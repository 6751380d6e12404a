using Graft.Data;
using Graft.Data.Formats.Safetensors;
using Graft.Models.Catalog;
using Graft.Pool;
using Graft.Pool.Fingerprints;
using Graft.Pool.Signatures;
using Graft.Pool.Storage;
using Graft.Weights;
using Graft.Weights.Formats;
using static TorchSharp.torch;

namespace Graft.Bench.Pools;

/// <summary>A kind of generated pool entry: a catalog architecture for a task with inputs of some shape.</summary>
/// <param name="Stem">The start of the entries' names (e.g. <c>cifar10-cnn</c>).</param>
/// <param name="Builder">The catalog builder (e.g. <c>small_cnn</c>).</param>
/// <param name="Args">The builder's arguments, as the pool stores them (numbers as <see cref="long"/>, lists as lists).</param>
/// <param name="InputShape">One sample's shape.</param>
/// <param name="Outputs">Classes, or target columns when <paramref name="Values"/>.</param>
/// <param name="Values">Whether the task regresses values instead of predicting classes.</param>
internal sealed record EntryKind(string Stem, string Builder, IReadOnlyDictionary<string, object> Args, long[] InputShape, int Outputs, bool Values = false);

/// <summary>
/// An entry kind made real once: the architecture signature traced from a model the catalog built, the fingerprint of a
/// small generated dataset of the task, and the two files (the model's initial weights and that dataset, as
/// safetensors) that every generated entry of the kind shares in the content-addressed store.
/// </summary>
internal sealed record EntryTemplate(EntryKind Kind, ArchitectureSignature Signature, TaskFingerprint Task, byte[] Weights, byte[] Dataset, bool MatchesTarget);

/// <summary>What <see cref="GeneratedEntries.Fill"/> added.</summary>
/// <param name="Added">Entries added.</param>
/// <param name="Matching">Of those, entries the target's retrieval query matches (its layer family or input shape).</param>
/// <param name="Files">Distinct files the entries reference.</param>
internal sealed record FillResult(int Added, int Matching, int Files);

/// <summary>
/// Generated pool entries for the pool-scale study. Each is a real entry — the signature of a real architecture, the
/// fingerprint of a real (generated) dataset, files that exist in the store — added through the store's public
/// <see cref="IPoolStore.Add"/>, the same call <see cref="PretrainingPool.AddModel(nn.Module{Tensor, Tensor}, Tensor, Tensor, string, AddModelOptions?)"/>
/// ends with; what it skips is training and measuring a model per entry. Entries of one kind share their two files, as
/// identical content does in a content-addressed store.
/// </summary>
internal static class GeneratedEntries
{
    /// <summary>Builds the model of <paramref name="kind"/>, traces it, and makes its files.</summary>
    /// <param name="kind">The kind of entry.</param>
    /// <param name="target">The signature of the model the study initialises from the pool.</param>
    /// <param name="targetInputShape">The target's input shape.</param>
    /// <param name="samples">Samples in the generated dataset (at least one per class).</param>
    /// <param name="seed">Seeds the model's initialisation and the dataset.</param>
    /// <exception cref="ArgumentException">The kind has exactly the target's architecture (such entries would be retrieved before any other).</exception>
    public static EntryTemplate Prepare(EntryKind kind, ArchitectureSignature target, long[] targetInputShape, int samples = 64, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        manual_seed(seed);
        using var built = ModelCatalog.Create(kind.Builder, kind.Args, new ModelShapes(kind.InputShape, kind.Outputs));
        var model = built.AsTensorModule();
        model.eval();
        var generator = new Generator((ulong)seed + 1);
        samples = Math.Max(samples, kind.Values ? 2 : kind.Outputs);
        var x = rand([samples, .. kind.InputShape], generator: generator);
        var y = kind.Values
            ? randn(kind.Outputs == 1 ? [samples] : [samples, kind.Outputs], generator: generator)
            : arange(samples, ScalarType.Int64) % kind.Outputs;
        var signature = ArchitectureSignature.Trace(model, x.narrow(0, 0, 2));
        if (signature.Hash == target.Hash)
            throw new ArgumentException($"the generated kind '{kind.Stem}' has exactly the target's architecture: its entries would rank before every other candidate.", nameof(kind));
        var task = TaskFingerprint.Of(x, y);
        bool matches = signature.FamilyHash == target.FamilyHash || task.InputShape.SequenceEqual(targetInputShape);
        return new EntryTemplate(kind, signature, task, Serialise(WeightsFile.StateOf(model)), Serialise(new Dictionary<string, Tensor> { ["x"] = x, ["y"] = y }), matches);
    }

    /// <summary>
    /// Adds <paramref name="count"/> generated entries to <paramref name="store"/>, kinds drawn evenly from
    /// <paramref name="templates"/> with a seeded generator; up to three versions share a name. Entries the target's
    /// query matches get recorded scores below <paramref name="matchingCeiling"/> (the lowest score of the entries the
    /// study means to retrieve), so that every pool size retrieves the same top candidates; the others get any score.
    /// </summary>
    public static FillResult Fill(IPoolStore store, IReadOnlyList<EntryTemplate> templates, int count, double matchingCeiling, int seed)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(templates);
        if (templates.Count == 0) throw new ArgumentException("at least one template is needed.", nameof(templates));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var files = templates.Select(t => (Weights: store.PutBlob(s => s.Write(t.Weights)), Dataset: store.PutBlob(s => s.Write(t.Dataset)))).ToArray();
        var sizes = files.Select(f => new FileInfo(store.BlobPath(f.Weights)!).Length).ToArray();
        var perKind = new int[templates.Count];
        var random = new Random(seed);
        var created = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        int matching = 0;
        for (int i = 0; i < count; i++)
        {
            int k = random.Next(templates.Count);
            var t = templates[k];
            int n = perKind[k]++;
            double score = t.Task.LabelKind == LabelKind.Class
                ? t.MatchesTarget ? matchingCeiling * (0.5 + 0.49 * random.NextDouble()) : 0.3 + 0.65 * random.NextDouble()
                : -(0.05 + random.NextDouble());
            const string dataset = "held-out 0.2 of dataset (seed 0)";
            var metrics = t.Task.LabelKind == LabelKind.Class
                ? new List<WeightsMetric> { new(dataset, "accuracy", score), new(dataset, "cross_entropy", 0.2 + 2 * (1 - score)) }
                : new List<WeightsMetric> { new(dataset, "mse", -score) };
            store.Add(new PoolEntry
            {
                Name = $"{t.Kind.Stem}-{n / 3:D4}",
                Version = 0,
                WeightsSha256 = files[k].Weights,
                DatasetSha256 = files[k].Dataset,
                Architecture = t.Signature,
                Task = t.Task,
                Metrics = metrics,
                Score = score,
                HeldOutFraction = 0.2,
                Builder = t.Kind.Builder,
                BuilderArgs = t.Kind.Args,
                Tags = ["generated"],
                Created = created.AddMinutes(i),
                FileSize = sizes[k],
            });
            if (t.MatchesTarget) matching++;
        }

        var used = files.Where((_, k) => perKind[k] > 0).SelectMany(f => new[] { f.Weights, f.Dataset });
        return new FillResult(count, matching, used.Distinct(StringComparer.Ordinal).Count());
    }

    private static byte[] Serialise(IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, tensors, null);
        return stream.ToArray();
    }
}
