using Graft.Models.Catalog;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Catalog;

public class ModelCatalogTests
{
    [Fact]
    public void Small_cnn_takes_its_sizes_from_the_data()
    {
        using var model = ModelCatalog.Create("small_cnn", new Dictionary<string, object> { ["width"] = "8", ["hidden"] = "16" }, new ModelShapes(new long[] { 1, 28, 28 }, 10));
        using var x = zeros(2, 1, 28, 28);
        using var y = model.call(x);
        Assert.Equal(new long[] { 2, 10 }, y.shape);
    }

    [Fact]
    public void Mlp_reads_a_list_of_hidden_sizes()
    {
        using var model = ModelCatalog.Create("mlp", new Dictionary<string, object> { ["hidden"] = new List<string> { "5", "3" } }, new ModelShapes(new long[] { 4 }, 2));
        Assert.Equal(3 * 2, model.parameters().Count());
    }

    [Fact]
    public void An_unknown_argument_lists_what_the_builder_takes()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("mlp", new Dictionary<string, object> { ["widht"] = "3" }, new ModelShapes(new long[] { 4 }, 2)));
        Assert.Contains("'widht'", e.Message);
        Assert.Contains("hidden, dropout", e.Message);
    }

    [Fact]
    public void Small_cnn_refuses_non_image_inputs_with_the_shape()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", new Dictionary<string, object>(), new ModelShapes(new long[] { 4 }, 2)));
        Assert.Contains("[4]", e.Message);
    }
}
