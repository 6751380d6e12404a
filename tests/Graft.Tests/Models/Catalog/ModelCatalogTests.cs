using System.ComponentModel;
using Graft.Models.Builders;
using Graft.Models.Catalog;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Catalog;

public enum Pooling
{
    Mean,
    MaxValue,
}

public class ModelCatalogTests
{
    private static readonly ModelShapes Image = new(new long[] { 1, 28, 28 }, 10);
    private static readonly ModelShapes Vector = new(new long[] { 4 }, 2);

    private static Dictionary<string, object> Args(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Small_cnn_takes_its_sizes_from_the_data()
    {
        using var model = ModelCatalog.Create("small_cnn", Args(("width", "8"), ("hidden", "16")), Image);
        using var x = zeros(2, 1, 28, 28);
        var y = model.Forward([x]);
        Assert.Equal(new long[] { 2, 10 }, y["output"].shape);
        Assert.IsType<SmallCnn>(model.Module);
        y["output"].Dispose();
    }

    [Fact]
    public void Mlp_reads_a_list_of_hidden_sizes()
    {
        using var model = ModelCatalog.Create("mlp", Args(("hidden", new List<string> { "5", "3" })), Vector);
        var shapes = model.Module.parameters().Select(p => p.shape).ToList();
        Assert.Equal(new[] { new long[] { 5, 4 }, [5], [3, 5], [3], [2, 3], [2] }, shapes);
    }

    [Fact]
    public void Mlp_without_arguments_uses_the_default_hidden_layer_of_64()
    {
        using var model = ModelCatalog.Create("mlp", null, Vector);
        Assert.Equal(new long[] { 64, 4 }, model.Module.parameters().First().shape);
    }

    [Fact]
    public void Typed_values_from_code_are_accepted()
    {
        using var model = ModelCatalog.Create("mlp", Args(("hidden", new[] { 7 }), ("dropout", 0.5)), Vector);
        Assert.Equal(new long[] { 7, 4 }, model.Module.parameters().First().shape);
    }

    [Fact]
    public void An_unknown_argument_lists_what_the_builder_takes()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("mlp", Args(("widht", "3")), Vector));
        Assert.Contains("'widht'", e.Message);
        Assert.Contains("hidden, dropout", e.Message);
        Assert.DoesNotContain("Did you mean", e.Message);
        Assert.Equal("widht", e.Argument);
        Assert.Equal(CatalogEntryKind.Builder, e.Kind);
    }

    [Fact]
    public void An_unknown_argument_close_to_a_known_one_suggests_it()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", Args(("dropuot", "0.1")), Image));
        Assert.Equal("builder 'small_cnn', argument 'dropuot': unknown argument. 'small_cnn' takes: width, hidden, dropout, depth. Did you mean 'dropout'?", e.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_says_what_was_expected()
    {
        var whole = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", Args(("width", "abc")), Image));
        Assert.Equal("builder 'small_cnn', argument 'width': expected a whole number, found 'abc'.", whole.Message);
        var real = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", Args(("dropout", "lots")), Image));
        Assert.Equal("builder 'small_cnn', argument 'dropout': expected a number, found 'lots'.", real.Message);
        var item = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("mlp", Args(("hidden", new List<string> { "8", "x" })), Vector));
        Assert.Equal("builder 'mlp', argument 'hidden': item 2: expected a whole number, found 'x'.", item.Message);
        var list = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", Args(("width", new List<string> { "8" })), Image));
        Assert.Contains("expected a whole number, found a list", list.Message);
        var big = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", Args(("width", "3000000000")), Image));
        Assert.Contains("from -2147483648 to 2147483647, found '3000000000'", big.Message);
    }

    [Fact]
    public void A_missing_required_argument_is_named_with_what_to_give()
    {
        ModelCatalog.Register("test_required_units", (ModelShapes s, [Description("units of the layer")] int units) => nn.Linear(s.InputShape[0], units), "Needs its size.");
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("test_required_units", null, Vector));
        Assert.Equal("builder 'test_required_units', argument 'units': missing required argument: give a whole number (units of the layer).", e.Message);
        using var model = ModelCatalog.Create("test_required_units", Args(("units", "3")), Vector);
        Assert.Equal(new long[] { 3, 4 }, model.Module.parameters().First().shape);
    }

    [Fact]
    public void An_unknown_builder_suggests_the_closest_name_and_lists_the_known_ones()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("smal_cnn", null, Image));
        Assert.StartsWith("builder 'smal_cnn': unknown builder. Did you mean 'small_cnn'? Known builders: ", e.Message);
        Assert.Contains("mlp, ", e.Message);
        Assert.Null(e.Argument);
    }

    [Fact]
    public void Builder_names_ignore_case_and_surrounding_spaces()
    {
        using var model = ModelCatalog.Create(" MLP ", null, Vector);
        Assert.Equal("mlp", model.Builder);
    }

    [Fact]
    public void Small_cnn_refuses_non_image_inputs_with_the_shape()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", new Dictionary<string, object>(), Vector));
        Assert.Equal("builder 'small_cnn': expects square images [channels, height, width]; the input has shape [4].", e.Message);
    }

    [Fact]
    public void A_builder_refusing_a_value_reports_it_as_an_argument_error()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("small_cnn", Args(("dropout", "1.5")), Image));
        Assert.Contains("builder 'small_cnn': dropout must be in [0, 1); it is 1.5.", e.Message);
    }

    [Fact]
    public void Builders_without_an_output_count_say_they_need_one()
    {
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("mlp", null, new ModelShapes([new long[] { 4 }], null)));
        Assert.Contains("mlp needs the number of outputs", e.Message);
    }

    [Fact]
    public void Attribute_registered_builders_list_typed_parameters_with_defaults_and_descriptions()
    {
        var cnn = ModelCatalog.Describe("small_cnn");
        Assert.Equal(CatalogEntryKind.Builder, cnn.Kind);
        Assert.StartsWith("Two blocks of conv-BN-ReLU", cnn.Description);
        Assert.Equal(new[] { "width", "hidden", "dropout", "depth" }, cnn.Parameters.Select(p => p.Name));
        Assert.Equal(new[] { typeof(int), typeof(int), typeof(double), typeof(int) }, cnn.Parameters.Select(p => p.Type));
        Assert.Equal(new object[] { 32, 128, 0.25, 1 }, cnn.Parameters.Select(p => p.Default!));
        Assert.All(cnn.Parameters, p => Assert.False(p.Required));
        Assert.Equal("units of the hidden layer", cnn.Parameters[1].Description);

        var hidden = ModelCatalog.Describe("mlp").Parameters[0];
        Assert.Equal(typeof(int[]), hidden.Type);
        Assert.Equal("int[]", hidden.TypeName);
        Assert.Equal("[64]", hidden.DefaultText);
    }

    [Fact]
    public void A_lambda_registered_explicitly_is_built_by_name_with_its_defaults()
    {
        ModelCatalog.Register(
            "test_lambda_mlp",
            (ModelShapes s, [Description("hidden units")] int units = 6, bool deep = false) =>
                new Mlp(s.InputShape[0], s.RequireOutputs("test_lambda_mlp"), deep ? [units, units] : [units]),
            "An MLP from a lambda.");
        var entry = ModelCatalog.Describe("test_lambda_mlp");
        Assert.Equal("An MLP from a lambda.", entry.Description);
        Assert.Equal(new[] { "units", "deep" }, entry.Parameters.Select(p => p.Name));
        Assert.Equal(6, entry.Parameters[0].Default);
        Assert.Equal("hidden units", entry.Parameters[0].Description);

        using var plain = ModelCatalog.Create("test_lambda_mlp", null, Vector);
        Assert.Equal(4, plain.Module.parameters().Count());
        using var deep = ModelCatalog.Create("test_lambda_mlp", Args(("deep", "yes"), ("units", "2")), Vector);
        Assert.Equal(6, deep.Module.parameters().Count());
        Assert.Equal(new long[] { 2, 4 }, deep.Module.parameters().First().shape);
    }

    [Fact]
    public void Enum_bool_and_text_arguments_are_bound_from_run_file_values()
    {
        Pooling seenPooling = default;
        string seenLabel = "";
        bool seenFlag = false;
        double[] seenScales = [];
        ModelCatalog.Register(
            "test_all_types",
            (ModelShapes s, Pooling pooling = Pooling.Mean, string label = "none", bool flag = false, [DefaultValue(new[] { 1.0, 2.0 })] double[]? scales = null, long seed = 7L) =>
            {
                (seenPooling, seenLabel, seenFlag, seenScales) = (pooling, label, flag, scales!);
                return nn.Identity();
            },
            "Records what it was given.");
        var entry = ModelCatalog.Describe("test_all_types");
        Assert.Equal("mean|max_value", entry.Parameters[0].TypeName);
        Assert.Equal(new[] { "mean", "max_value" }, entry.Parameters[0].Choices!);
        Assert.Equal("mean", entry.Parameters[0].DefaultText);

        using (ModelCatalog.Create("test_all_types", null, Vector))
        {
            Assert.Equal((Pooling.Mean, "none", false), (seenPooling, seenLabel, seenFlag));
            Assert.Equal(new[] { 1.0, 2.0 }, seenScales);
        }

        using (ModelCatalog.Create("test_all_types", Args(("pooling", "max_value"), ("label", "two words"), ("flag", "true"), ("scales", "0.5")), Vector))
        {
            Assert.Equal((Pooling.MaxValue, "two words", true), (seenPooling, seenLabel, seenFlag));
            Assert.Equal(new[] { 0.5 }, seenScales);
        }

        using (ModelCatalog.Create("test_all_types", Args(("pooling", "MaxValue"), ("scales", new List<string> { "1e-3", "-.inf" })), Vector))
        {
            Assert.Equal(Pooling.MaxValue, seenPooling);
            Assert.Equal(new[] { 0.001, double.NegativeInfinity }, seenScales);
        }

        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("test_all_types", Args(("pooling", "avg")), Vector));
        Assert.Equal("builder 'test_all_types', argument 'pooling': expected one of mean, max_value, found 'avg'.", e.Message);
        var flag = Assert.Throws<ModelArgumentException>(() => ModelCatalog.Create("test_all_types", Args(("flag", "maybe")), Vector));
        Assert.Equal("builder 'test_all_types', argument 'flag': expected true or false, found 'maybe'.", flag.Message);
    }

    [Fact]
    public void Array_defaults_are_fresh_copies_so_a_factory_cannot_change_them()
    {
        ModelCatalog.Register("test_mutating", (ModelShapes s, [DefaultValue(new[] { 3 })] int[]? sizes = null) =>
        {
            sizes![0] = 99;
            return nn.Identity();
        }, "Changes its argument.");
        using (ModelCatalog.Create("test_mutating", null, Vector))
        {
        }

        Assert.Equal(new[] { 3 }, (int[])ModelCatalog.Describe("test_mutating").Parameters[0].Default!);
    }

    [Fact]
    public void A_user_builder_from_an_assembly_is_created_by_name_after_RegisterAssembly()
    {
        ModelCatalog.RegisterAssembly(typeof(UserBuilders).Assembly);
        ModelCatalog.RegisterAssembly(typeof(UserBuilders).Assembly);
        var entry = ModelCatalog.Describe("test_user_linear");
        Assert.Equal("A single linear layer (a user's builder).", entry.Description);
        Assert.Equal("bias", Assert.Single(entry.Parameters).Name);
        using var model = ModelCatalog.Create("test_user_linear", Args(("bias", "false")), Vector);
        Assert.Single(model.Module.parameters());
        Assert.Contains("test_user_linear", ModelCatalog.Names);
    }

    [Fact]
    public void A_taken_name_is_refused_but_the_same_factory_may_register_twice()
    {
        Func<ModelShapes, nn.Module> factory = _ => nn.Identity();
        ModelCatalog.Register("test_twice", factory, "Registered twice.");
        ModelCatalog.Register("test_twice", factory, "Registered twice.");
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Register("test_twice", (ModelShapes _) => nn.Identity(), "Another."));
        Assert.Contains("The builder name 'test_twice' is already registered by", e.Message);
        var builtIn = Assert.Throws<ArgumentException>(() => ModelCatalog.Register("mlp", factory, "Mine."));
        Assert.Contains("BuiltInBuilders.Mlp", builtIn.Message);
    }

    [Fact]
    public void Factories_that_do_not_fit_are_refused_at_registration_with_the_reason()
    {
        var type = Assert.Throws<ArgumentException>(() => ModelCatalog.Register("test_bad_type", (ModelShapes s, DateTime when) => nn.Identity(), "Bad."));
        Assert.Contains("parameter 'when' has type DateTime", type.Message);
        var result = Assert.Throws<ArgumentException>(() => ModelCatalog.Register("test_bad_result", (ModelShapes s) => 3, "Bad."));
        Assert.Contains("must return Module; this one returns Int32", result.Message);
        var name = Assert.Throws<ArgumentException>(() => ModelCatalog.Register("Bad Name", (ModelShapes s) => nn.Identity(), "Bad."));
        Assert.Contains("lower-case letters, digits and underscores", name.Message);
        Assert.DoesNotContain("test_bad_type", ModelCatalog.Names);
    }

    [Fact]
    public void Create_module_refuses_a_builder_whose_model_takes_two_inputs()
    {
        ModelCatalog.RegisterAssembly(typeof(UserBuilders).Assembly);
        var e = Assert.Throws<ModelArgumentException>(() => ModelCatalog.CreateModule("test_two_tower", null, new ModelShapes([new long[] { 3 }, new long[] { 2 }], 1)));
        Assert.Equal("builder 'test_two_tower': it makes a model from 2 tensors to one tensor; a model from one tensor to one tensor is needed here.", e.Message);
        using var module = ModelCatalog.CreateModule("mlp", null, Vector);
        Assert.IsType<Mlp>(module);
    }

    [Fact]
    public void List_filters_names_with_globs_and_marks_kinds()
    {
        var small = ModelCatalog.List("small*");
        Assert.Equal("small_cnn", Assert.Single(small).Name);
        Assert.Equal(new[] { "mlp" }, ModelCatalog.List("m?p").Select(e => e.Name));
        Assert.Equal(new[] { "mlp", "small_cnn" }, ModelCatalog.List("mlp, SMALL_*").Select(e => e.Name));
        Assert.Empty(ModelCatalog.List(exclude: "*"));
        var losses = ModelCatalog.List("*cross_entropy", exclude: "test_*");
        Assert.Equal(new[] { "binary_cross_entropy", "cross_entropy" }, losses.Select(e => e.Name));
        Assert.All(losses, e => Assert.Equal(CatalogEntryKind.Loss, e.Kind));
        var all = ModelCatalog.List(exclude: "test_*");
        Assert.Contains(all, e => e.Name == "mlp" && e.Kind == CatalogEntryKind.Builder);
        Assert.Contains(all, e => e.Name == "smooth_l1" && e.Kind == CatalogEntryKind.Loss);
        Assert.DoesNotContain(all, e => e.Name.StartsWith("test_", StringComparison.Ordinal));
        int firstLoss = all.ToList().FindIndex(e => e.Kind == CatalogEntryKind.Loss);
        Assert.All(all.Take(firstLoss), e => Assert.Equal(CatalogEntryKind.Builder, e.Kind));
        Assert.DoesNotContain(ModelCatalog.List("small_cnn", "small*"), e => true);
    }
}
