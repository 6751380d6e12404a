using Graft.Models.Blocks;
using Graft.Models.Builders;
using Graft.Models.Catalog;
using Graft.Weights;
using Graft.Weights.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Pretrained;

/// <summary>
/// Builders with weights. The typed methods take weights of their own architecture only
/// (<c>Models.ResNet8(weights: SmallCnnWeights.FashionMnistV1)</c> does not compile); <see cref="Create(string, string?, IReadOnlyDictionary{string, object}?, ModelShapes?, WeightsLoadOptions?)"/> takes any
/// builder name and a weights reference and checks at run time. Every load verifies the file's full SHA-256 first.
/// Passing <c>classes</c> or <c>inputChannels</c> other than the weights' asks for timm-style adaptation: the classifier
/// is started afresh, the first convolution's channels are summed or repeated.
/// </summary>
/// <example><code>
/// var cnn = Models.SmallCnn(weights: SmallCnnWeights.FashionMnistV1);
/// var five = Models.ResNet8(weights: ResNet8Weights.FashionMnistV1, classes: 5, inputChannels: 3);
/// var any = Models.Create("resnet8", weights: "ResNet8Weights.FashionMnistV1");
/// </code></example>
public static class Models
{
    /// <summary>A <see cref="Builders.SmallCnn"/>, with <paramref name="weights"/> loaded when given.</summary>
    /// <param name="weights">Weights of this architecture, or null for a fresh model (1x28x28 inputs, 10 classes unless told).</param>
    /// <param name="classes">The number of classes; another than the weights' starts the classifier afresh.</param>
    /// <param name="inputChannels">The input channels; another than the weights' adapts the first convolution.</param>
    /// <param name="options">Load options; null adapts exactly what <paramref name="classes"/> and <paramref name="inputChannels"/> ask for.</param>
    /// <exception cref="WeightsVerificationException">The weights file's digest differs from the entry's.</exception>
    public static SmallCnn SmallCnn(WeightsEntry<SmallCnnWeights>? weights = null, int? classes = null, int? inputChannels = null, WeightsLoadOptions? options = null) =>
        (SmallCnn)Typed("small_cnn", weights, classes, inputChannels, options, [1, 28, 28], 10);

    /// <summary>A depth-8 <see cref="ResNet"/>, with <paramref name="weights"/> loaded when given.</summary>
    /// <param name="weights">Weights of this architecture, or null for a fresh model (1x28x28 inputs, 10 classes unless told).</param>
    /// <param name="classes">The number of classes; another than the weights' starts the classifier afresh.</param>
    /// <param name="inputChannels">The input channels; another than the weights' adapts the first convolution.</param>
    /// <param name="options">Load options; null adapts exactly what <paramref name="classes"/> and <paramref name="inputChannels"/> ask for.</param>
    /// <exception cref="WeightsVerificationException">The weights file's digest differs from the entry's.</exception>
    public static ResNet ResNet8(WeightsEntry<ResNet8Weights>? weights = null, int? classes = null, int? inputChannels = null, WeightsLoadOptions? options = null) =>
        (ResNet)Typed("resnet8", weights, classes, inputChannels, options, [1, 28, 28], 10);

    /// <summary>An <see cref="Builders.Mlp"/>, with <paramref name="weights"/> loaded when given.</summary>
    /// <param name="weights">Weights of this architecture, or null for a fresh model (then <paramref name="inputs"/> and <paramref name="classes"/> are needed).</param>
    /// <param name="classes">The number of outputs; another than the weights' starts the last layer afresh.</param>
    /// <param name="inputs">The number of input features when no weights are given.</param>
    /// <param name="options">Load options; null adapts what <paramref name="classes"/> asks for.</param>
    /// <exception cref="WeightsVerificationException">The weights file's digest differs from the entry's.</exception>
    public static Mlp Mlp(WeightsEntry<MlpWeights>? weights = null, int? classes = null, int? inputs = null, WeightsLoadOptions? options = null) =>
        (Mlp)Typed("mlp", weights, classes, null, options, inputs is { } n ? [n] : [4], 3);

    /// <summary>
    /// Builds <paramref name="builder"/> and loads the weights <paramref name="weights"/> names (a registry entry name, a
    /// file, or anything the <see cref="WeightsResolver"/> knows). The entry's builder arguments and input shape are the
    /// defaults; <paramref name="args"/> and <paramref name="shapes"/> override them.
    /// </summary>
    /// <param name="builder">A registered builder name.</param>
    /// <param name="weights">A weights reference, or null for a fresh model (then <paramref name="shapes"/> is needed).</param>
    /// <param name="args">Builder arguments overriding the entry's.</param>
    /// <param name="shapes">Shapes overriding the entry's.</param>
    /// <param name="options">Load options (strictness, adaptation).</param>
    /// <exception cref="WeightsException">The reference names nothing, or weights of another builder (the message says whose), or they do not fit.</exception>
    /// <exception cref="ModelArgumentException">Unknown builder or bad arguments.</exception>
    public static BuiltModel Create(string builder, string? weights = null, IReadOnlyDictionary<string, object>? args = null, ModelShapes? shapes = null, WeightsLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(builder);
        if (weights is null)
            return ModelCatalog.Create(builder, args, shapes ?? throw new ArgumentException($"building '{builder}' without weights needs its shapes."));
        return Create(builder, WeightsResolver.Default.Resolve(weights), args, shapes, options).Model;
    }

    /// <summary>Builds <paramref name="builder"/> from <paramref name="entry"/> and loads it; returns the model and what the load did.</summary>
    /// <exception cref="WeightsException">The entry is for another builder, or does not fit.</exception>
    public static (BuiltModel Model, WeightsLoadReport Report) Create(string builder, WeightsEntry entry, IReadOnlyDictionary<string, object>? args = null, ModelShapes? shapes = null, WeightsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckBuilder(builder, entry);
        var merged = MergeArgs(entry, args);
        shapes ??= ShapesOf(entry) ?? throw new WeightsException($"weights {entry.Name} do not record the input shape and class count; pass the shapes.");
        var model = ModelCatalog.Create(builder, merged, shapes);
        try
        {
            return (model, WeightsLoader.Load(model.Module, entry, options));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Refuses weights made for another builder, naming both and the entries that would fit (an unknown builder is left to the build to report).</summary>
    /// <exception cref="WeightsException">The entry records another builder.</exception>
    public static void CheckBuilder(string builder, WeightsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string canonical;
        try
        {
            canonical = ModelCatalog.Describe(builder).Name;
        }
        catch (ModelArgumentException)
        {
            return; // an unknown builder is reported where the model is built, with the known names
        }

        if (entry.Builder is null || string.Equals(entry.Builder, canonical, StringComparison.OrdinalIgnoreCase)) return;
        var fitting = WeightsRegistry.For(canonical).SelectMany(c => c.Entries).Select(e => e.Name).ToList();
        throw new WeightsException($"weights {entry.Name} are for builder '{entry.Builder}', not '{canonical}'. "
                                   + (fitting.Count > 0 ? $"Weights for '{canonical}': {string.Join(", ", fitting)}." : $"No registered weights fit '{canonical}'."));
    }

    /// <summary>The entry's builder arguments overridden by <paramref name="args"/>.</summary>
    public static IReadOnlyDictionary<string, object> MergeArgs(WeightsEntry entry, IReadOnlyDictionary<string, object>? args)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var merged = new Dictionary<string, object>(entry.BuilderArgs, StringComparer.Ordinal);
        if (args is not null)
            foreach (var (k, v) in args) merged[k] = v;
        return merged;
    }

    private static ModelShapes? ShapesOf(WeightsEntry entry) =>
        entry.InputShape.Count == 0 || entry.Metadata.Categories.Count == 0 ? null
            : new ModelShapes(entry.InputShape.ToArray(), entry.Metadata.Categories.Count);

    private static nn.Module Typed(string builder, WeightsEntry? weights, int? classes, int? channels, WeightsLoadOptions? options, long[] freshShape, long freshClasses)
    {
        if (weights is null)
        {
            var shape = (long[])freshShape.Clone();
            if (channels is { } c && shape.Length == 3) shape[0] = c;
            return ModelCatalog.Create(builder, null, new ModelShapes(shape, classes ?? freshClasses)).Module;
        }

        var baseShapes = ShapesOf(weights) ?? new ModelShapes(freshShape, freshClasses);
        var input = baseShapes.InputShape.ToArray();
        if (channels is { } ch && input.Length == 3) input[0] = ch;
        var shapes = new ModelShapes(input, classes ?? baseShapes.Outputs ?? freshClasses);
        options ??= new WeightsLoadOptions
        {
            ReplaceClassifier = shapes.Outputs != baseShapes.Outputs,
            AdaptInputChannels = input.Length == 3 && input[0] != baseShapes.InputShape[0],
        };
        return Create(builder, weights, null, shapes, options).Model.Module;
    }
}
