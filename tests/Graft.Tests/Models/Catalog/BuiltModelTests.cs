using Graft.Models.Catalog;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Catalog;

public class BuiltModelTests
{
    private static readonly ModelShapes Vector = new(new long[] { 3 }, 2);

    public BuiltModelTests() => ModelCatalog.RegisterAssembly(typeof(UserBuilders).Assembly);

    [Fact]
    public void A_one_input_module_gives_one_output_called_output()
    {
        using var model = ModelCatalog.Create("test_user_linear", null, Vector);
        Assert.Equal(1, model.InputCount);
        Assert.Equal(new[] { "output" }, model.OutputNames);
        using var x = ones(4, 3);
        var outputs = model.Forward([x]);
        using var y = Assert.Single(outputs).Value;
        Assert.Equal(new long[] { 4, 2 }, y.shape);
        Assert.Same(model.Module, model.AsTensorModule());
    }

    [Fact]
    public void A_two_input_module_takes_its_inputs_in_order()
    {
        using var model = ModelCatalog.Create("test_two_tower", null, new ModelShapes([new long[] { 3 }, new long[] { 5 }], 2));
        Assert.Equal(2, model.InputCount);
        Assert.Equal(new[] { "output" }, model.OutputNames);
        using var left = ones(4, 3);
        using var right = ones(4, 5);
        using var y = model.Forward([left, right])["output"];
        Assert.Equal(new long[] { 4, 2 }, y.shape);
        // Swapped inputs do not fit the two linear layers: the order is kept.
        Assert.ThrowsAny<Exception>(() => model.Forward([right, left]));
        var e = Assert.Throws<InvalidOperationException>(() => model.AsTensorModule());
        Assert.Contains("from 2 tensors to one tensor", e.Message);
    }

    [Fact]
    public void A_module_returning_a_tuple_gives_numbered_outputs()
    {
        using var model = ModelCatalog.Create("test_split_heads", null, Vector);
        Assert.Equal(new[] { "output_0", "output_1" }, model.OutputNames);
        using var x = tensor(new float[] { 1, 2 });
        var outputs = model.Forward([x]);
        Assert.Equal(new[] { "output_0", "output_1" }, outputs.Keys.Order());
        Assert.Equal(new float[] { 2, 4 }, outputs["output_0"].data<float>().ToArray());
        Assert.Equal(new float[] { 2, 3 }, outputs["output_1"].data<float>().ToArray());
        foreach (var t in outputs.Values) t.Dispose();
    }

    [Fact]
    public void A_module_returning_a_dictionary_gives_its_keys()
    {
        using var model = ModelCatalog.Create("test_named_heads", null, Vector);
        Assert.Equal(new[] { "logits", "features" }, model.OutputNames);
        using var x = tensor(new float[] { 1, -2 });
        var outputs = model.Forward([x]);
        Assert.Equal(new[] { "features", "logits" }, outputs.Keys.Order());
        Assert.Equal(new float[] { 3, -6 }, outputs["logits"].data<float>().ToArray());
        Assert.Equal(new float[] { -1, 2 }, outputs["features"].data<float>().ToArray());
        foreach (var t in outputs.Values) t.Dispose();
    }

    [Fact]
    public void The_wrong_number_of_inputs_is_refused_with_both_counts()
    {
        using var model = ModelCatalog.Create("test_split_heads", null, Vector);
        using var x = ones(2);
        var e = Assert.Throws<ArgumentException>(() => model.Forward([x, x]));
        Assert.StartsWith("The model built by 'test_split_heads' takes 1 input; 2 were given.", e.Message);
    }

    [Fact]
    public void A_module_the_catalog_cannot_call_is_refused_when_built()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("test_counting", null, Vector));
        Assert.Equal("builder 'test_counting': the module CountingModule returns Int64; the catalog understands a Tensor, a tuple of Tensors or a Dictionary<string, Tensor>.", e.Message);
    }
}
