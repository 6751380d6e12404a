using System.Text;
using System.Text.RegularExpressions;

namespace Graft.Models.Catalog;

/// <summary>Names in the catalog: snake_case conversion, name checks, close-match suggestions and glob filters.</summary>
internal static partial class CatalogNames
{
    [GeneratedRegex(@"^[a-z][a-z0-9_]*$")]
    private static partial Regex NamePattern();

    /// <summary>Whether <paramref name="name"/> is lower-case letters, digits and underscores, starting with a letter.</summary>
    public static bool IsValid(string name) => NamePattern().IsMatch(name);

    /// <summary><c>labelSmoothing</c> → <c>label_smoothing</c>, <c>HTTPServer</c> → <c>http_server</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        // Activation names are words of their own: ReLU -> relu, LeakyReLU -> leaky_relu, SiLU -> silu.
        name = name.Replace("ReLU", "Relu", StringComparison.Ordinal).Replace("SiLU", "Silu", StringComparison.Ordinal);
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                char previous = name[i - 1];
                bool nextLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && nextLower)) sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString().TrimStart('_');
    }

    /// <summary>" Did you mean 'x'?" for the candidate closest to <paramref name="typed"/>, when it is plausibly a misspelling; else empty.</summary>
    public static string Suggestion(string typed, IEnumerable<string> candidates) => Graft.Text.Suggestions.DidYouMean(typed, candidates);

    /// <summary>
    /// Whether <paramref name="name"/> passes the filters: it matches one of the comma-separated glob patterns of
    /// <paramref name="include"/> (all names when null or blank) and none of <paramref name="exclude"/>.
    /// <c>*</c> stands for any run of characters, <c>?</c> for one; case does not matter.
    /// </summary>
    public static bool Matches(string name, string? include, string? exclude) =>
        (string.IsNullOrWhiteSpace(include) || AnyGlob(name, include)) && (string.IsNullOrWhiteSpace(exclude) || !AnyGlob(name, exclude));

    private static bool AnyGlob(string name, string patterns) =>
        patterns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(p => Glob(name.AsSpan(), p.AsSpan()));

    /// <summary>Glob matching with <c>*</c> and <c>?</c>, case-insensitive, by backtracking over the last star (linear in practice).</summary>
    private static bool Glob(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        int t = 0, p = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
