using System.ComponentModel;
using Graft.Models.Catalog;
using Graft.Models.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Catalog;

// Builders and a loss as a user's own assembly would declare them; the tests register this assembly with
// ModelCatalog.RegisterAssembly and then use them by name.

/// <summary>Two inputs, one output: a linear layer on each input, summed.</summary>
public sealed class TwoTower : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear left;
    private readonly TorchSharp.Modules.Linear right;

    public TwoTower(long leftFeatures, long rightFeatures, long outputs)
        : base(nameof(TwoTower))
    {
        left = nn.Linear(leftFeatures, outputs);
        right = nn.Linear(rightFeatures, outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor y) => left.call(x) + right.call(y);
}

/// <summary>One input, two outputs as a tuple: twice the input and the input plus one.</summary>
public sealed class SplitHeads() : nn.Module<Tensor, (Tensor, Tensor)>(nameof(SplitHeads))
{
    public override (Tensor, Tensor) forward(Tensor x) => (x * 2, x + 1);
}

/// <summary>One input, named outputs: logits (three times the input) and features (the input negated).</summary>
public sealed class NamedHeads() : nn.Module<Tensor, Dictionary<string, Tensor>>(nameof(NamedHeads))
{
    public override Dictionary<string, Tensor> forward(Tensor x) => new() { ["logits"] = x * 3, ["features"] = -x };
}

/// <summary>A module the catalog cannot call: it returns a number, not tensors.</summary>
public sealed class CountingModule() : nn.Module<Tensor, long>(nameof(CountingModule))
{
    public override long forward(Tensor x) => x.numel();
}

public static class UserBuilders
{
    [ModelBuilder("test_user_linear", Description = "A single linear layer (a user's builder).")]
    public static nn.Module Linear(ModelShapes shapes, [Description("whether the layer has a bias")] bool bias = true) =>
        nn.Linear(shapes.InputShape[0], shapes.RequireOutputs("test_user_linear"), hasBias: bias);

    [ModelBuilder("test_two_tower")]
    public static TwoTower TwoTowers(ModelShapes shapes) =>
        new(shapes.InputShapes[0][0], shapes.InputShapes[1][0], shapes.RequireOutputs("test_two_tower"));

    [ModelBuilder("test_split_heads")]
    public static SplitHeads Split() => new();

    [ModelBuilder("test_named_heads", Outputs = new[] { "logits", "features" })]
    public static NamedHeads Named() => new();

    [ModelBuilder("test_counting")]
    public static CountingModule Counting() => new();
}

/// <summary>Hinge loss for targets of ±1: the mean of max(0, margin - target · prediction).</summary>
[Loss("test_hinge", Description = "Hinge loss for targets of +1 and -1 (a user's loss).")]
public sealed class TestHinge([Description("the margin a correct prediction must clear")] double margin = 1) : ILoss
{
    public double Margin { get; } = margin;

    public IReadOnlyList<string> InputNames { get; } = ["prediction", "target"];

    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null) => (Margin - inputs[0] * inputs[1]).clamp_min(0).mean();
}
