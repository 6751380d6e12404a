using Graft.Weights.Formats;

namespace Graft.Weights.Loading;

/// <summary>How <see cref="WeightsLoader"/> fits weights to a module (timm-style adaptation is opt-in).</summary>
public sealed record WeightsLoadOptions
{
    /// <summary>The defaults: strict, no adaptation, PyTorch prefixes stripped.</summary>
    public static WeightsLoadOptions Default { get; } = new();

    /// <summary>Refuse missing or unexpected tensors (true), or load what fits and report the rest (false).</summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Adapt the first convolution to another number of input channels: summed over channels for one channel,
    /// repeated and rescaled by <c>C/N</c> for N channels.
    /// </summary>
    public bool AdaptInputChannels { get; init; }

    /// <summary>Drop the classifier's weights when its class count differs; the module keeps its fresh initialisation there.</summary>
    public bool ReplaceClassifier { get; init; }

    /// <summary>How file names map to the module's names.</summary>
    public KeyMapping KeyMapping { get; init; } = KeyMapping.PyTorch;
}

/// <summary>What a load did: the entry and digest verified, tensors loaded, adapted, dropped, missing and unexpected.</summary>
/// <param name="Entry">The entry's name.</param>
/// <param name="Sha256">The verified digest.</param>
/// <param name="Loaded">Names of tensors loaded as they were.</param>
/// <param name="Adapted">Tensors adapted, with what was done (e.g. <c>features.0.weight: 1 -> 3 input channels (repeated, scaled by 1/3)</c>).</param>
/// <param name="Reinitialised">Module tensors whose file tensors were dropped (a classifier of another class count): they keep their fresh initialisation.</param>
/// <param name="MissingKeys">Module tensors the file does not have (non-strict loads only).</param>
/// <param name="UnexpectedKeys">File tensors the module does not have (non-strict loads only).</param>
public sealed record WeightsLoadReport(
    string Entry, string Sha256, IReadOnlyList<string> Loaded, IReadOnlyList<string> Adapted, IReadOnlyList<string> Reinitialised,
    IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>A one-line summary, e.g. <c>12 tensors loaded, 1 adapted, 2 re-initialised, 0 missing, 0 unexpected</c>.</summary>
    public override string ToString() =>
        $"{Loaded.Count} tensors loaded, {Adapted.Count} adapted, {Reinitialised.Count} re-initialised, {MissingKeys.Count} missing"
        + (MissingKeys.Count > 0 ? $" ({string.Join(", ", MissingKeys)})" : "")
        + $", {UnexpectedKeys.Count} unexpected" + (UnexpectedKeys.Count > 0 ? $" ({string.Join(", ", UnexpectedKeys)})" : "");
}
