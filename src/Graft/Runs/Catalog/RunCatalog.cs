using System.Text.Json.Nodes;
using Graft.Models.Catalog;
using Graft.Training.Metrics;

namespace Graft.Runs.Catalog;

/// <summary>The JSON Schema fragment of one catalog entry's <c>args</c> object, for a run-file schema generator.</summary>
/// <param name="Kind">What the entry makes.</param>
/// <param name="Name">The name run files use.</param>
/// <param name="Description">What it is.</param>
/// <param name="Schema">The fragment (<see cref="CatalogEntry.ToJsonSchema"/>).</param>
public sealed record CatalogSchemaFragment(CatalogEntryKind Kind, string Name, string Description, JsonObject Schema);

/// <summary>
/// Everything a run file can name: the builders and losses of <see cref="ModelCatalog"/> and the metrics of
/// <see cref="MetricCatalog"/>, in one listing. (The model layer cannot see metrics, so the full listing lives here.)
/// </summary>
public static class RunCatalog
{
    /// <summary>Builders, then losses, then metrics, each ordered by name.</summary>
    /// <param name="include">Comma-separated glob patterns (<c>*</c>, <c>?</c>; e.g. <c>resnet*</c>) of names to list; all when null.</param>
    /// <param name="exclude">Comma-separated glob patterns of names to leave out.</param>
    public static IReadOnlyList<CatalogEntry> List(string? include = null, string? exclude = null) =>
        ModelCatalog.List(include, exclude).Concat(Metrics(include, exclude)).ToList();

    /// <summary>The metrics, ordered by name. <c>top1</c> and <c>top5</c> stand for any <c>top{k}</c>.</summary>
    /// <param name="include">Comma-separated glob patterns of names to list; all when null.</param>
    /// <param name="exclude">Comma-separated glob patterns of names to leave out.</param>
    public static IReadOnlyList<CatalogEntry> Metrics(string? include = null, string? exclude = null) =>
        MetricCatalog.KnownNames
            .Where(n => CatalogNames.Matches(n, include, exclude))
            .Select(n => MetricCatalog.Describe(n))
            .Select(d => new CatalogEntry(
                d.Name,
                CatalogEntryKind.Metric,
                d.Description + (d.HigherIsBetter ? " Higher is better." : " Lower is better."),
                d.Parameters.Select(p => new CatalogParameter(p.Name, p.Type, null, p.Required, p.Description)).ToList()))
            .ToList();

    /// <summary>The JSON Schema fragment of every entry's <c>args</c>, in the order of <see cref="List"/>.</summary>
    /// <param name="include">Comma-separated glob patterns of names to include; all when null.</param>
    /// <param name="exclude">Comma-separated glob patterns of names to leave out.</param>
    public static IReadOnlyList<CatalogSchemaFragment> SchemaFragments(string? include = null, string? exclude = null) =>
        List(include, exclude).Select(e => new CatalogSchemaFragment(e.Kind, e.Name, e.Description, e.ToJsonSchema())).ToList();
}
