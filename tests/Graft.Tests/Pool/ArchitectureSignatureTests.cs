using Graft.Pool.Signatures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Tests.Pool;

public class ArchitectureSignatureTests
{
    /// <summary>A custom module whose fields are declared in another order than its forward pass uses them.</summary>
    private sealed class TwoStage : nn.Module<Tensor, Tensor>
    {
        private readonly Linear head;
        private readonly BatchNorm1d norm;
        private readonly Linear body;

        public TwoStage(int width) : base(nameof(TwoStage))
        {
            head = nn.Linear(width, 2);
            norm = nn.BatchNorm1d(width);
            body = nn.Linear(4, width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => head.call(nn.functional.relu(norm.call(body.call(x))));
    }

    [Fact]
    public void A_custom_module_with_fields_is_traced_in_execution_order()
    {
        using var model = new TwoStage(8);
        var signature = ArchitectureSignature.Trace(model, randn(3, 4));

        Assert.Equal(["body", "norm", "head"], signature.Layers.Select(l => l.Path));
        Assert.Equal(["Linear", "BatchNorm1d", "Linear"], signature.Layers.Select(l => l.Type));
        Assert.All(signature.Layers, l => Assert.True(l.Traced));
        Assert.Equal(new long[] { 8, 4 }, signature.Layers[0].WeightShape);
        Assert.Contains(signature.Layers[1].Tensors, t => t.Name == "running_mean" && t.IsBuffer);
        Assert.Equal(4 * 8 + 8 + 8 + 8 + 8 * 2 + 2, signature.ParameterCount);
    }

    [Fact]
    public void Equal_architectures_share_a_hash_and_other_widths_share_only_the_family()
    {
        using var a = new TwoStage(8);
        using var b = new TwoStage(8);
        using var wide = new TwoStage(16);
        var sa = ArchitectureSignature.Trace(a, randn(3, 4));
        var sb = ArchitectureSignature.Trace(b, randn(3, 4));
        var sw = ArchitectureSignature.Trace(wide, randn(3, 4));

        Assert.Equal(sa.Hash, sb.Hash);
        Assert.NotEqual(sa.Hash, sw.Hash);
        Assert.Equal(sa.FamilyHash, sw.FamilyHash);
    }

    [Fact]
    public void A_sequential_model_is_traced_layer_by_layer_and_its_mode_is_kept()
    {
        using var model = nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(4 * 6 * 6, 3)));
        model.train();
        var signature = ArchitectureSignature.Trace(model, randn(2, 1, 8, 8));

        Assert.Equal(["conv", "fc"], signature.Layers.Select(l => l.Path));
        Assert.Equal(new long[] { 4, 1, 3, 3 }, signature.Layers[0].WeightShape);
        Assert.True(model.training);
    }
}
