using Graft.Weights;

namespace Graft.Runs.Zoo;

/// <summary>One built-in weights entry and how to make it: the run file that trains it and where to measure it.</summary>
/// <param name="Entry">The entry's name (e.g. <c>SmallCnnWeights.FashionMnistV1</c>).</param>
/// <param name="RunFile">The recipe, relative to the zoo folder.</param>
/// <param name="Description">One sentence on the weights.</param>
/// <param name="EvaluateOn">The datasets whose accuracy is recorded (the first is also the entry's headline figure).</param>
/// <param name="Tags">Tags for the entry (every built-in entry also gets <c>built-in</c> and <c>default</c>).</param>
/// <param name="Preprocessing">The preprocessing the weights expect.</param>
public sealed record ZooRecipe(string Entry, string RunFile, string Description, IReadOnlyList<string> EvaluateOn, IReadOnlyList<string> Tags, Preprocessing Preprocessing)
{
    /// <summary>The file name of the weights, e.g. <c>SmallCnnWeights.FashionMnistV1.safetensors</c>.</summary>
    public string FileName => Entry + ".safetensors";

    /// <summary>The recipes of Graft's built-in weights.</summary>
    public static IReadOnlyList<ZooRecipe> BuiltIn { get; } =
    [
        new("SmallCnnWeights.FashionMnistV1", "small_cnn-fashion_mnist.yaml",
            "A small CNN (two conv-BN-ReLU-pool blocks, 128 hidden units) trained 2 epochs on the first 20,000 Fashion-MNIST training images.",
            ["fashion-mnist:test", "fashion-mnist:test[:1000]"], ["vision", "fashion-mnist"], new Preprocessing { Resize = [28, 28] }),
        new("ResNet8Weights.FashionMnistV1", "resnet8-fashion_mnist.yaml",
            "A ResNet of depth 8 (width 16) trained 2 epochs on the first 12,000 Fashion-MNIST training images.",
            ["fashion-mnist:test", "fashion-mnist:test[:1000]"], ["vision", "fashion-mnist"], new Preprocessing { Resize = [28, 28] }),
        new("MlpWeights.IrisV1", "mlp-iris.yaml",
            "An MLP (32 and 16 hidden units) trained on the iris flowers' four raw measurements.",
            ["iris"], ["tabular", "iris"], Preprocessing.None),
    ];
}
