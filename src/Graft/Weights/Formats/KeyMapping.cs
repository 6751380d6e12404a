using System.Text.RegularExpressions;

namespace Graft.Weights.Formats;

/// <summary>
/// Renames the tensor names of a weights file to the module's names on load: prefixes stripped (PyTorch's
/// <c>module.</c> from DataParallel, <c>_orig_mod.</c> from <c>torch.compile</c>) and regular-expression renames
/// applied in order. TorchSharp modules name their state like PyTorch (<c>features.0.weight</c>,
/// <c>bn.running_mean</c>, <c>bn.num_batches_tracked</c>), so PyTorch state dicts of the same structure need no more.
/// </summary>
/// <example><code>var map = KeyMapping.PyTorch with { Renames = [("^backbone\\.", "features.")] };</code></example>
public sealed record KeyMapping
{
    /// <summary>No renaming.</summary>
    public static KeyMapping None { get; } = new();

    /// <summary>Strips the prefixes PyTorch wrappers add: <c>module.</c> and <c>_orig_mod.</c>.</summary>
    public static KeyMapping PyTorch { get; } = new() { StripPrefixes = ["module.", "_orig_mod."] };

    /// <summary>Prefixes removed from the start of names (repeatedly, in any order).</summary>
    public IReadOnlyList<string> StripPrefixes { get; init; } = [];

    /// <summary>Regular-expression renames (pattern, replacement), applied in order after the prefixes are stripped.</summary>
    public IReadOnlyList<(string Pattern, string Replacement)> Renames { get; init; } = [];

    /// <summary>The module's name for file name <paramref name="key"/>.</summary>
    public string Map(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        bool stripped = true;
        while (stripped)
        {
            stripped = false;
            foreach (var p in StripPrefixes)
                if (p.Length > 0 && key.StartsWith(p, StringComparison.Ordinal))
                {
                    key = key[p.Length..];
                    stripped = true;
                }
        }

        foreach (var (pattern, replacement) in Renames) key = Regex.Replace(key, pattern, replacement, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return key;
    }
}
