using System.Text;
using Graft.Models.Catalog;

namespace Graft.Runs.Catalog;

/// <summary>The catalog as Markdown (the README's list of builders, losses and metrics is this text, so it cannot go stale).</summary>
public static class CatalogMarkdown
{
    /// <summary>A table per kind: name, description, arguments with types and defaults.</summary>
    public static string Generate(string? include = null, string? exclude = null)
    {
        var sb = new StringBuilder();
        foreach (var group in RunCatalog.List(include, exclude).GroupBy(e => e.Kind))
        {
            sb.Append("**").Append(group.Key switch { CatalogEntryKind.Builder => "Builders", CatalogEntryKind.Loss => "Losses", _ => "Metrics" }).Append("**\n\n");
            sb.Append("| name | what it is | args |\n|---|---|---|\n");
            foreach (var e in group.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var args = e.Parameters.Count == 0 ? "" : string.Join("<br>", e.Parameters.Select(p =>
                    $"`{p.Name}` ({p.TypeName}{(p.Required ? ", required" : p.DefaultText.Length > 0 ? ", default " + p.DefaultText : "")})"));
                sb.Append("| `").Append(e.Name).Append("` | ").Append(e.Description.Replace("|", "\\|", StringComparison.Ordinal)).Append(" | ").Append(args.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
            }

            sb.Append('\n');
        }

        return sb.ToString().TrimEnd() + "\n";
    }
}
