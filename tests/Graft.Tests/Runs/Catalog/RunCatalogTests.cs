using Graft.Models.Catalog;
using Graft.Runs.Catalog;
using Graft.Training.Metrics;

namespace Graft.Tests.Runs.Catalog;

public class RunCatalogTests
{
    [Fact]
    public void The_listing_holds_builders_then_losses_then_metrics()
    {
        var all = RunCatalog.List(exclude: "test_*");
        var kinds = all.Select(e => e.Kind).ToList();
        Assert.Equal(kinds.Order().ToList(), kinds);
        Assert.Contains(all, e => e is { Name: "small_cnn", Kind: CatalogEntryKind.Builder });
        Assert.Contains(all, e => e is { Name: "mse", Kind: CatalogEntryKind.Loss });
        Assert.Contains(all, e => e is { Name: "mse", Kind: CatalogEntryKind.Metric });
        Assert.Contains(all, e => e is { Name: "f1_weighted", Kind: CatalogEntryKind.Metric });
    }

    [Fact]
    public void Metrics_carry_descriptions_directions_and_parameters()
    {
        var metrics = RunCatalog.Metrics();
        var accuracy = metrics.Single(e => e.Name == "accuracy");
        Assert.Equal("Share of samples whose highest-scoring class is the label. Higher is better.", accuracy.Description);
        Assert.Empty(accuracy.Parameters);
        Assert.EndsWith("Lower is better.", metrics.Single(e => e.Name == "rmse").Description);
        Assert.Equal("Precision (right among predicted positives), from counts pooled over all classes. Higher is better.", metrics.Single(e => e.Name == "precision_micro").Description);
        var k = Assert.Single(metrics.Single(e => e.Name == "top_k_accuracy").Parameters);
        Assert.Equal(("k", typeof(int), true), (k.Name, k.Type, k.Required));
        Assert.Equal(MetricCatalog.KnownNames, metrics.Select(e => e.Name));
    }

    [Fact]
    public void Glob_filters_apply_to_metrics_too()
    {
        Assert.Equal(new[] { "top1", "top5", "top_k_accuracy" }, RunCatalog.List("top*").Select(e => e.Name));
        Assert.Equal(new[] { "f1", "f1_macro" }, RunCatalog.List("f1*", "*_micro,*_weighted").Select(e => e.Name));
    }

    [Fact]
    public void Schema_fragments_cover_every_entry_in_listing_order()
    {
        var fragments = RunCatalog.SchemaFragments(exclude: "test_*");
        Assert.Equal(RunCatalog.List(exclude: "test_*").Select(e => (e.Kind, e.Name)), fragments.Select(f => (f.Kind, f.Name)));
        var cnn = fragments.Single(f => f.Name == "small_cnn").Schema;
        Assert.Equal(32, (int)cnn["properties"]!["width"]!["default"]!);
        var accuracy = fragments.Single(f => f is { Name: "accuracy", Kind: CatalogEntryKind.Metric }).Schema;
        Assert.Empty(accuracy["properties"]!.AsObject());
        Assert.False((bool)accuracy["additionalProperties"]!);
        var smoothing = fragments.Single(f => f.Name == "cross_entropy").Schema["properties"]!["label_smoothing"]!;
        Assert.Equal("number", (string?)smoothing["type"]);
        Assert.Equal(0.0, (double)smoothing["default"]!);
    }
}
