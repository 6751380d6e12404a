using Graft.Data;
using Graft.Data.Formats.TensorFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Formats.TensorFiles;

public class TensorFileDatasetTests
{
    private const string File = "data.npz";

    private static TensorDataset Build(TensorFileOptions? options = null, params (string Name, Tensor Tensor)[] tensors)
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors) dict.Add(name, tensor);
        return TensorFileDataset.FromTensors(dict, options ?? new TensorFileOptions(), File);
    }

    [Fact]
    public void Default_label_names_become_labels_and_everything_else_features_in_file_order()
    {
        using var data = Build(null,
            ("pixels", torch.zeros(4, 3)),
            ("label", torch.tensor(new long[] { 0, 2, 1, 2 })),
            ("extra", torch.ones(4)),
            ("target", torch.tensor(new[] { 0.5f, 1.5f, 2.25f, -1f })));
        Assert.Equal(new[] { "pixels", "extra" }, data.Schema.Features.Select(f => f.Name).ToArray());
        Assert.Equal(LabelKind.Class, data.Schema.Label("label").Kind);
        Assert.Equal(LabelKind.Value, data.Schema.Label("target").Kind);
        Assert.Equal(4, data.Count);
    }

    [Fact]
    public void Declared_labels_replace_the_defaults_and_keep_their_kinds()
    {
        var options = new TensorFileOptions { Labels = new Dictionary<string, LabelKind?> { ["age"] = LabelKind.Value } };
        using var data = Build(options, ("x", torch.zeros(3, 2)), ("y", torch.zeros(3)), ("age", torch.tensor(new[] { 30, 41, 25 })));
        Assert.Equal(new[] { "x", "y" }, data.Schema.Features.Select(f => f.Name).ToArray());
        var age = Assert.Single(data.Schema.Labels);
        Assert.Equal(("age", LabelKind.Value), (age.Name, age.Kind));
    }

    [Fact]
    public void An_empty_label_list_makes_every_tensor_a_feature()
    {
        using var data = Build(new TensorFileOptions { Labels = new Dictionary<string, LabelKind?>() }, ("x", torch.zeros(2)), ("y", torch.zeros(2)));
        Assert.Equal(2, data.Schema.Features.Count);
        Assert.Empty(data.Schema.Labels);
    }

    [Fact]
    public void Mask_companion_marks_missing_labels_and_zeroes_their_values()
    {
        using var data = Build(null,
            ("x", torch.zeros(4, 2)),
            ("y", torch.tensor(new long[] { 1, -1, 0, -1 })),
            ("y_mask", torch.tensor(new byte[] { 1, 0, 1, 0 })));
        Assert.Equal("x", Assert.Single(data.Schema.Features).Name); // the mask is not a feature
        var y = data.Label("y");
        Assert.Equal(new[] { true, false, true, false }, y.Mask.data<bool>().ToArray());
        Assert.Equal(new long[] { 1, 0, 0, 0 }, y.Values.data<long>().ToArray());
        Assert.Equal(LabelKind.Class, data.Schema.Label("y").Kind);
        Assert.Equal(2, y.MissingCount);
    }

    [Fact]
    public void Nan_float_labels_count_as_missing()
    {
        using var data = Build(null, ("x", torch.zeros(3, 1)), ("y", torch.tensor(new[] { 1.5f, float.NaN, -2f })));
        var y = data.Label("y");
        Assert.Equal(new[] { true, false, true }, y.Mask.data<bool>().ToArray());
        Assert.Equal(new[] { 1.5f, 0f, -2f }, y.Values.data<float>().ToArray());
    }

    [Fact]
    public void Nan_and_mask_combine_and_a_nan_anywhere_in_a_row_makes_the_sample_missing()
    {
        var values = torch.tensor(new[] { 1f, 0f, float.NaN, 1f, 0f, 1f }).reshape(3, 2);
        using var data = Build(null, ("x", torch.zeros(3)), ("labels", values), ("labels_mask", torch.tensor(new[] { true, true, false })));
        var labels = data.Label("labels");
        Assert.Equal(LabelKind.MultiLabel, data.Schema.Label("labels").Kind);
        Assert.Equal(new[] { true, false, false }, labels.Mask.data<bool>().ToArray());
        Assert.Equal(new[] { 1f, 0f, 0f, 0f, 0f, 0f }, labels.Values.data<float>().ToArray());
    }

    [Fact]
    public void Whole_valued_float_labels_with_nan_are_inferred_as_classes_from_present_values()
    {
        using var data = Build(null, ("x", torch.zeros(4)), ("y", torch.tensor(new[] { 0f, 2f, float.NaN, 1f })));
        Assert.Equal(LabelKind.Class, data.Schema.Label("y").Kind);
        Assert.Equal(new long[] { 0, 2, 0, 1 }, data.Label("y").Values.data<long>().ToArray());
    }

    [Fact]
    public void Inconsistent_first_dimensions_name_the_file_and_every_tensor_with_its_shape()
    {
        var ex = Assert.Throws<DataFormatException>(() => Build(null, ("x", torch.zeros(4, 2)), ("y", torch.zeros(3))));
        Assert.StartsWith(File, ex.Message);
        Assert.Contains("different numbers of samples", ex.Message);
        Assert.Contains("'x' [4, 2], 'y' [3]", ex.Message);
    }

    [Fact]
    public void Mask_with_values_other_than_zero_and_one_is_rejected()
    {
        var ex = Assert.Throws<DataFormatException>(() => Build(null, ("x", torch.zeros(2)), ("y", torch.zeros(2)), ("y_mask", torch.tensor(new[] { 1, 2 }))));
        Assert.Contains("mask 'y_mask' holds values other than 0 and 1", ex.Message);
    }

    [Fact]
    public void Mask_with_the_wrong_shape_is_rejected()
    {
        var ex = Assert.Throws<DataFormatException>(() => Build(null, ("x", torch.zeros(2)), ("y", torch.zeros(2, 2)), ("y_mask", torch.ones(2, 2, ScalarType.Bool))));
        Assert.Contains("mask 'y_mask' has shape [2, 2]; expected [N]", ex.Message);
    }

    [Fact]
    public void A_declared_label_missing_from_the_file_lists_the_tensors_it_has()
    {
        var options = new TensorFileOptions { Labels = new Dictionary<string, LabelKind?> { ["price"] = null } };
        var ex = Assert.Throws<DataFormatException>(() => Build(options, ("x", torch.zeros(2)), ("y", torch.zeros(2))));
        Assert.Contains("label 'price' is not in the file; its tensors are: 'x' [2], 'y' [2]", ex.Message);
    }

    [Fact]
    public void Scalars_and_empty_files_are_rejected()
    {
        var scalar = Assert.Throws<DataFormatException>(() => Build(null, ("x", torch.zeros(2)), ("lr", torch.tensor(0.1))));
        Assert.Contains("tensor 'lr' is a scalar", scalar.Message);
        var empty = Assert.Throws<DataFormatException>(() => Build(null));
        Assert.Contains("holds no tensors", empty.Message);
    }

    [Fact]
    public void Invalid_declared_kinds_become_data_format_errors_and_the_tensors_are_released()
    {
        var x = torch.zeros(2);
        var y = torch.zeros(2, 3);
        var options = new TensorFileOptions { Labels = new Dictionary<string, LabelKind?> { ["y"] = LabelKind.Class } };
        var ex = Assert.Throws<DataFormatException>(() => Build(options, ("x", x), ("y", y)));
        Assert.Contains("Class label 'y' must have shape [N]", ex.Message);
        Assert.True(x.IsInvalid);
        Assert.True(y.IsInvalid);
    }

    [Fact]
    public void Options_reject_label_names_that_look_like_masks()
    {
        Assert.Throws<ArgumentException>(() => new TensorFileOptions { Labels = new Dictionary<string, LabelKind?> { ["y_mask"] = null } });
    }
}
