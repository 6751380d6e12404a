namespace Graft.Text;

/// <summary>
/// "Did you mean ...?" for every error that names something unknown (keys, builders, losses, metrics, columns).
/// Depends on nothing, so every layer may use it.
/// </summary>
internal static class Suggestions
{
    /// <summary>" Did you mean 'x'?" for the candidate closest to <paramref name="typed"/> when it is plausibly a misspelling (at most half of the name, and at least two characters, differ); else empty.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> candidates)
    {
        string key = typed.Trim().ToLowerInvariant();
        string? closest = null;
        int best = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int distance = EditDistance(key, candidate.ToLowerInvariant());
            if (distance < best)
            {
                best = distance;
                closest = candidate;
            }
        }

        return closest is not null && best <= Math.Max(2, key.Length / 2) ? $" Did you mean '{closest}'?" : "";
    }

    /// <summary>The Levenshtein distance: single-character insertions, deletions and substitutions.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
