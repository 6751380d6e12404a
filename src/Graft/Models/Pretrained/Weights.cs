using Graft.Weights;

namespace Graft.Models.Pretrained;

/// <summary>
/// The registry under the short name the torchvision-style API uses, beside <see cref="Models"/>:
/// <c>Weights.Get("SmallCnnWeights.FashionMnistV1")</c>, <c>Weights.For("resnet8")</c>, <c>Weights.List(tag: "tabular")</c>.
/// It forwards to <see cref="WeightsRegistry"/> (inside Graft's own namespaces <c>Weights</c> names the namespace
/// <c>Graft.Weights</c>, so Graft's code uses <see cref="WeightsRegistry"/> directly).
/// </summary>
/// <example><code>
/// using Graft.Models.Pretrained;
/// var entry = Weights.Get("ResNet8Weights");          // the catalog's default
/// var model = Models.Create("resnet8", weights: entry.Name);
/// </code></example>
public static class Weights
{
    /// <summary>The entry named <paramref name="name"/> (<c>Catalog.Tag</c>, or <c>Catalog</c> for its default).</summary>
    /// <exception cref="KeyNotFoundException">No such entry; the closest names are suggested.</exception>
    public static WeightsEntry Get(string name) => WeightsRegistry.Get(name);

    /// <summary>The catalogs whose entries fit builder <paramref name="builder"/>.</summary>
    public static IReadOnlyList<WeightsCatalog> For(string builder) => WeightsRegistry.For(builder);

    /// <summary>Every registered entry passing the filters (see <see cref="WeightsRegistry.List"/>).</summary>
    /// <param name="builder">Only entries for this builder.</param>
    /// <param name="tag">Only entries with this tag.</param>
    /// <param name="dataset">Only entries with a metric on this dataset.</param>
    /// <param name="name">Only entries whose name contains this text.</param>
    public static IReadOnlyList<WeightsEntry> List(string? builder = null, string? tag = null, string? dataset = null, string? name = null) =>
        WeightsRegistry.List(builder, tag, dataset, name);

    /// <summary>The entry a reference names through the one resolver: a registry entry name, a weights file, or a plugged-in source.</summary>
    /// <exception cref="WeightsException">Nothing knows the reference.</exception>
    public static WeightsEntry Resolve(string reference) => WeightsResolver.Default.Resolve(reference);
}
