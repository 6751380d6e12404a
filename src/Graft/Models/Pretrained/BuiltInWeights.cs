using Graft.Weights;

namespace Graft.Models.Pretrained;

/// <summary>
/// The weights Graft ships: <c>weights/weights.json</c> and the files it names, copied beside the Graft assembly
/// (from <c>src/Graft/Models/Pretrained/BuiltIn</c>, written by <c>graft zoo build</c>).
/// </summary>
public static class BuiltInWeights
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "weights.json";

    /// <summary>The folder of the shipped weights: <c>$GRAFT_BUILTIN_WEIGHTS</c> when set, else <c>weights</c> beside the Graft assembly.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("GRAFT_BUILTIN_WEIGHTS") is { Length: > 0 } dir ? dir
            : Path.Combine(Path.GetDirectoryName(typeof(BuiltInWeights).Assembly.Location) is { Length: > 0 } d ? d : AppContext.BaseDirectory, "weights");

    /// <summary>The shipped entries (empty when the manifest is missing).</summary>
    public static IReadOnlyList<WeightsEntry> Entries => Manifest.Value;

    private static readonly Lazy<IReadOnlyList<WeightsEntry>> Manifest = new(() =>
    {
        var path = Path.Combine(Directory, ManifestName);
        return File.Exists(path) ? WeightsManifest.Read(path) : [];
    });

    /// <summary>A catalog filled with the shipped entries named <c>{name}.*</c>; the entry tagged <c>default</c> (else the first) is its default.</summary>
    internal static WeightsCatalog<T> Catalog<T>(string name, string builder)
    {
        var catalog = new WeightsCatalog<T>(name, builder);
        var entries = Entries.Where(e => e.CatalogName == name).ToList();
        foreach (var e in entries)
            catalog.Add(new WeightsEntry<T>(e), makeDefault: e.Metadata.Tags.Contains("default"));
        return catalog;
    }
}

/// <summary>
/// Weights for <see cref="Builders.SmallCnn"/> (builder <c>small_cnn</c>). The type marks the architecture:
/// <c>Models.SmallCnn</c> takes only <c>WeightsEntry&lt;SmallCnnWeights&gt;</c>.
/// </summary>
/// <example><code>var model = Models.SmallCnn(weights: SmallCnnWeights.FashionMnistV1);</code></example>
public sealed class SmallCnnWeights
{
    private SmallCnnWeights() { }

    /// <summary>The catalog (add your own entries to it).</summary>
    [WeightsCatalog]
    public static WeightsCatalog<SmallCnnWeights> Catalog { get; } = BuiltInWeights.Catalog<SmallCnnWeights>(nameof(SmallCnnWeights), "small_cnn");

    /// <summary>Trained by Graft on Fashion-MNIST (recipe <c>zoo/small_cnn-fashion_mnist.yaml</c>).</summary>
    public static WeightsEntry<SmallCnnWeights> FashionMnistV1 => Catalog.Get(nameof(FashionMnistV1));

    /// <summary>The catalog's default entry.</summary>
    public static WeightsEntry<SmallCnnWeights> Default => Catalog.Default;
}

/// <summary>Weights for the depth-8 <see cref="Blocks.ResNet"/> (builder <c>resnet8</c>).</summary>
/// <example><code>var model = Models.ResNet8(weights: ResNet8Weights.FashionMnistV1, classes: 5);</code></example>
public sealed class ResNet8Weights
{
    private ResNet8Weights() { }

    /// <summary>The catalog (add your own entries to it).</summary>
    [WeightsCatalog]
    public static WeightsCatalog<ResNet8Weights> Catalog { get; } = BuiltInWeights.Catalog<ResNet8Weights>(nameof(ResNet8Weights), "resnet8");

    /// <summary>Trained by Graft on Fashion-MNIST (recipe <c>zoo/resnet8-fashion_mnist.yaml</c>).</summary>
    public static WeightsEntry<ResNet8Weights> FashionMnistV1 => Catalog.Get(nameof(FashionMnistV1));

    /// <summary>The catalog's default entry.</summary>
    public static WeightsEntry<ResNet8Weights> Default => Catalog.Default;
}

/// <summary>Weights for <see cref="Builders.Mlp"/> (builder <c>mlp</c>).</summary>
/// <example><code>var model = Models.Mlp(weights: MlpWeights.IrisV1);</code></example>
public sealed class MlpWeights
{
    private MlpWeights() { }

    /// <summary>The catalog (add your own entries to it).</summary>
    [WeightsCatalog]
    public static WeightsCatalog<MlpWeights> Catalog { get; } = BuiltInWeights.Catalog<MlpWeights>(nameof(MlpWeights), "mlp");

    /// <summary>Trained by Graft on the iris flowers (recipe <c>zoo/mlp-iris.yaml</c>).</summary>
    public static WeightsEntry<MlpWeights> IrisV1 => Catalog.Get(nameof(IrisV1));

    /// <summary>The catalog's default entry.</summary>
    public static WeightsEntry<MlpWeights> Default => Catalog.Default;
}
