using System.ComponentModel;
using Graft.Models.Catalog;
using Graft.Models.Losses;
using Graft.Tests.Models.Catalog;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Losses;

public class LossCatalogTests
{
    private static Dictionary<string, object> Args(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Every_built_in_loss_is_created_by_name()
    {
        Assert.IsType<CrossEntropy>(LossCatalog.Create("cross_entropy"));
        Assert.IsType<BinaryCrossEntropy>(LossCatalog.Create("binary_cross_entropy"));
        Assert.IsType<SquaredError>(LossCatalog.Create("mse"));
        Assert.IsType<AbsoluteError>(LossCatalog.Create("l1"));
        Assert.IsType<AbsoluteError>(LossCatalog.Create("mae"));
        Assert.IsType<SmoothL1>(LossCatalog.Create("smooth_l1"));
        Assert.IsType<Distillation>(LossCatalog.Create("kl_divergence"));
        Assert.IsType<Distillation>(LossCatalog.Create("Distillation"));
        Assert.All(LossCatalog.Names.Where(n => !n.StartsWith("test_", StringComparison.Ordinal)), n => Assert.Equal(2, LossCatalog.Create(n).InputCount));
    }

    [Fact]
    public void Arguments_are_bound_from_run_file_text()
    {
        Assert.Equal(0.1, Assert.IsType<CrossEntropy>(LossCatalog.Create("cross_entropy", Args(("label_smoothing", "0.1")))).LabelSmoothing);
        Assert.Equal(2.5, Assert.IsType<BinaryCrossEntropy>(LossCatalog.Create("binary_cross_entropy", Args(("pos_weight", "2.5")))).PosWeight);
        Assert.Equal(0.5, Assert.IsType<SmoothL1>(LossCatalog.Create("smooth_l1", Args(("beta", 0.5)))).Beta);
        Assert.Equal(4, Assert.IsType<Distillation>(LossCatalog.Create("distillation", Args(("temperature", "4")))).Temperature);
    }

    [Fact]
    public void Binding_errors_name_the_loss_the_argument_and_what_was_expected()
    {
        var unknown = Assert.Throws<ModelArgumentException>(() => LossCatalog.Create("cross_entropy", Args(("label_smothing", "0.1"))));
        Assert.Equal("loss 'cross_entropy', argument 'label_smothing': unknown argument. 'cross_entropy' takes: label_smoothing. Did you mean 'label_smoothing'?", unknown.Message);
        Assert.Equal(CatalogEntryKind.Loss, unknown.Kind);
        var none = Assert.Throws<ModelArgumentException>(() => LossCatalog.Create("mse", Args(("beta", "1"))));
        Assert.Contains("'mse' takes no arguments.", none.Message);
        var type = Assert.Throws<ModelArgumentException>(() => LossCatalog.Create("smooth_l1", Args(("beta", "wide"))));
        Assert.Equal("loss 'smooth_l1', argument 'beta': expected a number, found 'wide'.", type.Message);
        var refused = Assert.Throws<ModelArgumentException>(() => LossCatalog.Create("cross_entropy", Args(("label_smoothing", "1"))));
        Assert.Equal("loss 'cross_entropy': label_smoothing must be in [0, 1); it is 1.", refused.Message);
        var name = Assert.Throws<ModelArgumentException>(() => LossCatalog.Create("crossentropy"));
        Assert.StartsWith("loss 'crossentropy': unknown loss. Did you mean 'cross_entropy'? Known losses: ", name.Message);
    }

    [Fact]
    public void A_users_loss_from_an_assembly_is_created_by_name()
    {
        LossCatalog.RegisterAssembly(typeof(TestHinge).Assembly);
        var hinge = Assert.IsType<TestHinge>(LossCatalog.Create("test_hinge", Args(("margin", "2"))));
        Assert.Equal(2, hinge.Margin);
        using var prediction = tensor(new float[] { 0.5f, 3 });
        using var target = tensor(new float[] { 1, 1 });
        using var value = hinge.Compute([prediction, target]);
        Assert.Equal(0.75f, value.item<float>(), 5);
        var entry = LossCatalog.Describe("test_hinge");
        Assert.Equal("the margin a correct prediction must clear", Assert.Single(entry.Parameters).Description);
    }

    [Fact]
    public void A_loss_registered_from_a_lambda_takes_its_arguments()
    {
        LossCatalog.Register("test_scaled_mse", ([Description("factor on the loss")] double scale = 2) => new ScaledLoss(new SquaredError(), scale), "MSE times a factor.");
        var loss = LossCatalog.Create("test_scaled_mse", Args(("scale", "3")));
        using var p = tensor(new float[] { 1, 1 });
        using var t = zeros(2);
        using var value = loss.Compute([p, t]);
        Assert.Equal(3f, value.item<float>());
        Assert.Equal(2.0, LossCatalog.Describe("test_scaled_mse").Parameters[0].Default);
        var e = Assert.Throws<ArgumentException>(() => LossCatalog.Register("test_not_a_loss", () => new object(), "Wrong."));
        Assert.Contains("must return ILoss", e.Message);
        var shapes = Assert.Throws<ArgumentException>(() => LossCatalog.Register("test_shapes_loss", (ModelShapes s) => new SquaredError(), "Wrong."));
        Assert.Contains("Only builders receive model shapes.", shapes.Message);
    }

    [Fact]
    public void List_gives_the_losses_with_their_parameters()
    {
        var losses = LossCatalog.List(exclude: "test_*");
        Assert.Equal(new[] { "binary_cross_entropy", "cross_entropy", "distillation", "kl_divergence", "l1", "mae", "mse", "smooth_l1" }, losses.Select(e => e.Name));
        var smooth = losses.Single(e => e.Name == "smooth_l1");
        var beta = Assert.Single(smooth.Parameters);
        Assert.Equal(("beta", typeof(double), (object?)1.0, false), (beta.Name, beta.Type, beta.Default, beta.Required));
        Assert.Equal(new[] { "l1", "mae" }, LossCatalog.List("?ae,l1").Select(e => e.Name));
    }

    private sealed class ScaledLoss(ILoss inner, double scale) : ILoss
    {
        public IReadOnlyList<string> InputNames => inner.InputNames;

        public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null)
        {
            using var value = inner.Compute(inputs, mask);
            return value * scale;
        }
    }
}
