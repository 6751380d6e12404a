using System.Text.Json;
using System.Text.Json.Nodes;
using Graft.Models.Catalog;

namespace Graft.Tests.Models.Catalog;

public class CatalogEntryTests
{
    [Fact]
    public void The_small_cnn_schema_fragment_types_its_arguments_with_defaults_and_allows_nothing_else()
    {
        var schema = ModelCatalog.Describe("small_cnn").ToJsonSchema();
        Assert.Equal("object", (string?)schema["type"]);
        Assert.Equal("small_cnn", (string?)schema["title"]);
        Assert.False((bool)schema["additionalProperties"]!);
        Assert.Null(schema["required"]);
        var properties = schema["properties"]!.AsObject();
        Assert.Equal(new[] { "width", "hidden", "dropout", "depth" }, properties.Select(p => p.Key));
        Assert.Equal("integer", (string?)properties["width"]!["type"]);
        Assert.Equal(32, (int)properties["width"]!["default"]!);
        Assert.Equal("integer", (string?)properties["hidden"]!["type"]);
        Assert.Equal(128, (int)properties["hidden"]!["default"]!);
        Assert.Equal("number", (string?)properties["dropout"]!["type"]);
        Assert.Equal(0.25, (double)properties["dropout"]!["default"]!);
        Assert.Equal("dropout before the classifier", (string?)properties["dropout"]!["description"]);
        // The fragment is plain JSON.
        Assert.Contains("\"additionalProperties\":false", schema.ToJsonString());
    }

    [Fact]
    public void Array_enum_and_required_parameters_become_array_items_enums_and_the_required_list()
    {
        var entry = new CatalogEntry("example", CatalogEntryKind.Builder, "An example.",
        [
            new CatalogParameter("sizes", typeof(int[]), new[] { 64, 32 }, false, "layer sizes"),
            new CatalogParameter("mode", typeof(DayOfWeek), DayOfWeek.Monday, false, ""),
            new CatalogParameter("name", typeof(string), null, true, "what to call it"),
            new CatalogParameter("flag", typeof(bool), true, false, ""),
        ]);
        var schema = entry.ToJsonSchema();
        var expected = JsonNode.Parse("""
            {"title":"example","description":"An example.","type":"object","properties":{
              "sizes":{"type":"array","items":{"type":"integer"},"default":[64,32],"description":"layer sizes"},
              "mode":{"type":"string","enum":["sunday","monday","tuesday","wednesday","thursday","friday","saturday"],"default":"monday"},
              "name":{"type":"string","description":"what to call it"},
              "flag":{"type":"boolean","default":true}},
             "required":["name"],"additionalProperties":false}
            """);
        Assert.True(JsonNode.DeepEquals(expected, schema), schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void Parameters_show_their_type_and_default_as_a_run_file_writes_them()
    {
        var sizes = new CatalogParameter("sizes", typeof(long[]), new[] { 1L, 2L }, false, "");
        Assert.Equal("long[]", sizes.TypeName);
        Assert.Equal("[1, 2]", sizes.DefaultText);
        var rate = new CatalogParameter("rate", typeof(double), 0.001, false, "");
        Assert.Equal("double", rate.TypeName);
        Assert.Equal("0.001", rate.DefaultText);
        Assert.Null(rate.Choices);
        var flag = new CatalogParameter("flag", typeof(bool), false, false, "");
        Assert.Equal("false", flag.DefaultText);
        Assert.Equal("", new CatalogParameter("name", typeof(string), null, true, "").DefaultText);
    }
}
