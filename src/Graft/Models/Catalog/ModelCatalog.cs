using System.Globalization;
using Graft.Models.Builders;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Catalog;

/// <summary>What a builder learns from the data: the shape of one input sample and the number of outputs.</summary>
/// <param name="InputShape">The shape of one input sample, e.g. <c>[1, 28, 28]</c> or <c>[4]</c>.</param>
/// <param name="Outputs">The number of outputs: classes for class labels, flags for multi-labels, values for value labels.</param>
public sealed record ModelShapes(long[] InputShape, long Outputs);

/// <summary>A builder argument was missing, unknown or of the wrong type; the message names it.</summary>
public sealed class ModelArgumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ModelArgumentException(string builder, string argument, string message)
        : base($"builder '{builder}', argument '{argument}': {message}")
    {
        Builder = builder;
        Argument = argument;
    }

    /// <summary>The builder.</summary>
    public string Builder { get; }

    /// <summary>The argument at fault.</summary>
    public string Argument { get; }
}

/// <summary>
/// The builders run files name in <c>models[].builder</c>. Builders take their sizes from the data
/// (<see cref="ModelShapes"/>) and their other arguments from <c>models[].args</c>.
/// </summary>
public static class ModelCatalog
{
    private sealed record Entry(string Description, IReadOnlyDictionary<string, string> Arguments, Func<BuilderArgs, ModelShapes, nn.Module<Tensor, Tensor>> Build);

    private static readonly Dictionary<string, Entry> Builders = new(StringComparer.Ordinal)
    {
        ["small_cnn"] = new Entry(
            "Two conv-BN-ReLU-pool blocks and a hidden layer, for small square images (e.g. 1x28x28).",
            new Dictionary<string, string> { ["width"] = "channels of the first block (default 32)", ["hidden"] = "units of the hidden layer (default 128)", ["dropout"] = "dropout before the classifier (default 0.25)" },
            (a, s) =>
            {
                if (s.InputShape.Length != 3 || s.InputShape[1] != s.InputShape[2])
                    throw new ModelArgumentException("small_cnn", "inputs", $"expects square images [channels, height, width]; the input has shape [{string.Join(", ", s.InputShape)}].");
                return new SmallCnn((int)s.InputShape[0], (int)s.InputShape[1], (int)s.Outputs, a.Int("width", 32), a.Int("hidden", 128), a.Double("dropout", 0.25));
            }),
        ["mlp"] = new Entry(
            "A multi-layer perceptron over the flattened input.",
            new Dictionary<string, string> { ["hidden"] = "hidden layer sizes, e.g. [128, 64] (default [64])", ["dropout"] = "dropout after each hidden layer (default 0)" },
            (a, s) => new Mlp(s.InputShape.Aggregate(1L, (x, y) => x * y), s.Outputs, a.IntList("hidden", new[] { 64 }), a.Double("dropout", 0))),
    };

    /// <summary>The registered builder names with their descriptions and arguments.</summary>
    public static IReadOnlyList<(string Name, string Description, IReadOnlyDictionary<string, string> Arguments)> List() =>
        Builders.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => (b.Key, b.Value.Description, b.Value.Arguments)).ToList();

    /// <summary>Builds model <paramref name="builder"/> with <paramref name="args"/> for data of <paramref name="shapes"/>.</summary>
    /// <exception cref="ModelArgumentException">Unknown builder, unknown argument or a wrong value.</exception>
    public static nn.Module<Tensor, Tensor> Create(string builder, IReadOnlyDictionary<string, object> args, ModelShapes shapes)
    {
        if (!Builders.TryGetValue(builder, out var entry))
            throw new ModelArgumentException(builder, "builder", $"unknown builder. Known builders: {string.Join(", ", Builders.Keys.Order(StringComparer.Ordinal))}.");
        foreach (var key in args.Keys)
            if (!entry.Arguments.ContainsKey(key))
                throw new ModelArgumentException(builder, key, $"unknown argument. '{builder}' takes: {string.Join(", ", entry.Arguments.Keys)}.");
        try
        {
            return entry.Build(new BuilderArgs(builder, args), shapes);
        }
        catch (ArgumentException e) when (e is not ModelArgumentException)
        {
            throw new ModelArgumentException(builder, "args", e.Message);
        }
    }

    private sealed class BuilderArgs(string builder, IReadOnlyDictionary<string, object> args)
    {
        public int Int(string name, int fallback) => args.TryGetValue(name, out var v) ? ParseInt(name, v) : fallback;

        public double Double(string name, double fallback)
        {
            if (!args.TryGetValue(name, out var v)) return fallback;
            return v is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                : throw new ModelArgumentException(builder, name, $"expected a number, found '{v}'.");
        }

        public IReadOnlyList<int> IntList(string name, IReadOnlyList<int> fallback)
        {
            if (!args.TryGetValue(name, out var v)) return fallback;
            return v is List<string> list ? list.Select(x => ParseInt(name, x)).ToArray() : new[] { ParseInt(name, v) };
        }

        private int ParseInt(string name, object v) =>
            v is string s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
                : throw new ModelArgumentException(builder, name, $"expected a whole number, found '{v}'.");
    }
}
