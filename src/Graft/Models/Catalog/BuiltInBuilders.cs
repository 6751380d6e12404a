using System.ComponentModel;
using Graft.Models.Builders;

namespace Graft.Models.Catalog;

/// <summary>The builders Graft ships, registered by their attributes.</summary>
internal static class BuiltInBuilders
{
    [ModelBuilder("small_cnn", Description = "Two conv-BN-ReLU-pool blocks and a hidden layer, for small square images (e.g. 1x28x28).")]
    public static SmallCnn SmallCnn(
        ModelShapes shapes,
        [Description("channels of the first block (the second has twice as many)")] int width = 32,
        [Description("units of the hidden layer")] int hidden = 128,
        [Description("dropout before the classifier")] double dropout = 0.25)
    {
        var s = shapes.InputShape;
        if (s.Length != 3 || s[1] != s[2])
            throw new ArgumentException($"expects square images [channels, height, width]; the input has shape [{string.Join(", ", s)}].");
        return new SmallCnn((int)s[0], (int)s[1], checked((int)shapes.RequireOutputs("small_cnn")), width, hidden, dropout);
    }

    [ModelBuilder("mlp", Description = "A multi-layer perceptron over the flattened input.")]
    public static Mlp Mlp(
        ModelShapes shapes,
        [Description("hidden layer sizes, in order"), DefaultValue(new[] { 64 })] int[]? hidden = null,
        [Description("dropout after each hidden layer")] double dropout = 0)
    {
        long inputs = shapes.InputShape.Aggregate(1L, (a, b) => a * b);
        return new Mlp(inputs, shapes.RequireOutputs("mlp"), hidden ?? [64], dropout);
    }
}
