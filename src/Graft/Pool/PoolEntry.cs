using Graft.Pool.Fingerprints;
using Graft.Pool.Signatures;
using Graft.Weights;

namespace Graft.Pool;

/// <summary>
/// One model in a pool: a versioned name, its weights and dataset (content-addressed files, by SHA-256), its
/// architecture signature, the fingerprint of the task it was trained on, the metrics measured on a held-out slice,
/// and how it was made (recipe, lineage).
/// </summary>
public sealed record PoolEntry
{
    /// <summary>The entry's name (several versions share it).</summary>
    public required string Name { get; init; }

    /// <summary>The version, from 1, increasing per name.</summary>
    public required int Version { get; init; }

    /// <summary>The full SHA-256 of the weights file (safetensors).</summary>
    public required string WeightsSha256 { get; init; }

    /// <summary>The full SHA-256 of the dataset file (safetensors with <c>x</c> and <c>y</c>) the metrics were measured on.</summary>
    public required string DatasetSha256 { get; init; }

    /// <summary>The parametrised layers in execution order.</summary>
    public required ArchitectureSignature Architecture { get; init; }

    /// <summary>The task the model was trained on.</summary>
    public required TaskFingerprint Task { get; init; }

    /// <summary>Metrics measured on the held-out slice of the entry's dataset.</summary>
    public IReadOnlyList<WeightsMetric> Metrics { get; init; } = [];

    /// <summary>The higher-is-better score candidates are compared by: accuracy for classes, minus the mean squared error for values.</summary>
    public double Score { get; init; }

    /// <summary>The fraction of the dataset held out for the metrics, and the seed of that split.</summary>
    public double HeldOutFraction { get; init; }

    /// <summary>The seed of the held-out split.</summary>
    public long Seed { get; init; }

    /// <summary>The catalog builder that makes the architecture (e.g. <c>small_cnn</c>), when known.</summary>
    public string? Builder { get; init; }

    /// <summary>The builder's arguments (numbers, text, lists), so the architecture can be built again (e.g. as a distillation teacher).</summary>
    public IReadOnlyDictionary<string, object> BuilderArgs { get; init; } = new Dictionary<string, object>();

    /// <summary>The recipe that produced the model (a resolved run file's text), when known.</summary>
    public string? Recipe { get; init; }

    /// <summary>The entry or weights the model was initialised from, when known.</summary>
    public string? Lineage { get; init; }

    /// <summary>Free tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>When the entry was added.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>The size of the weights file in bytes.</summary>
    public long FileSize { get; init; }

    /// <summary>The reference naming this version: <c>pool:name@version</c>.</summary>
    public string Reference => $"{PoolReference.Prefix}{Name}@{Version}";

    /// <summary>The entry as weights anyone can load (the registry's format: its file, digest and typed metadata).</summary>
    /// <param name="weightsPath">Where the store keeps the weights file.</param>
    public WeightsEntry ToWeightsEntry(string weightsPath) => new()
    {
        Name = Reference,
        Builder = Builder,
        InputShape = Task.InputShape,
        Source = weightsPath,
        Sha256 = WeightsSha256,
        Format = WeightsFormat.Safetensors,
        Metadata = new WeightsMetadata
        {
            ParameterCount = Architecture.ParameterCount,
            Metrics = Metrics,
            FileSize = FileSize,
            Recipe = Recipe,
            Lineage = Lineage,
            Created = Created,
            Tags = Tags,
            Description = $"pool entry {Name} version {Version}: {Task}",
        },
    };
}

/// <summary>How pool entries are named where weights are named: <c>pool:name</c>, <c>pool:name@3</c>, <c>pool:name@champion</c>.</summary>
public static class PoolReference
{
    /// <summary>The prefix that marks a pool reference.</summary>
    public const string Prefix = "pool:";

    /// <summary>The alias every name has: its highest version.</summary>
    public const string Latest = "latest";

    /// <summary>Splits <c>name@version-or-alias</c> (the <c>pool:</c> prefix optional); without <c>@</c> the version is <c>latest</c>.</summary>
    public static (string Name, string VersionOrAlias) Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var text = reference.StartsWith(Prefix, StringComparison.Ordinal) ? reference[Prefix.Length..] : reference;
        int at = text.LastIndexOf('@');
        return at < 0 ? (text, Latest) : (text[..at], text[(at + 1)..]);
    }
}
