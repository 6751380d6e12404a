using Graft.Data;
using static TorchSharp.torch;

namespace Graft.Tests.Data;

public class TensorDatasetTests
{
    private static TensorDataset Small()
    {
        var x = arange(12, ScalarType.Float32).reshape(6, 2);
        var y = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        var mask = tensor(new[] { true, true, false, true, true, true });
        return new TensorDataset().WithFeature("x", x).WithLabel("y", y, LabelKind.Class, mask, new[] { "a", "b", "c" });
    }

    [Fact]
    public void A_missing_class_label_is_a_mask_bit_and_keeps_the_int64_dtype()
    {
        using var data = Small();
        var label = data.Label("y");
        Assert.Equal(ScalarType.Int64, label.Values.dtype);
        Assert.Equal(1, label.MissingCount);
        Assert.False(label.Mask[2].item<bool>());
        Assert.Equal(new[] { "a", "b", "c" }, data.Schema.Label("y").Classes);
    }

    [Fact]
    public void Features_and_labels_with_different_sample_counts_are_refused_with_both_shapes()
    {
        using var data = new TensorDataset().WithFeature("x", zeros(5, 3));
        var e = Assert.Throws<ArgumentException>(() => data.WithLabel("y", zeros(4)));
        Assert.Contains("'y' has 4 samples", e.Message);
        Assert.Contains("the dataset has 5", e.Message);
    }

    [Fact]
    public void A_batch_gathers_the_requested_rows_with_their_masks()
    {
        using var data = Small();
        using var batch = data.GetBatch(new long[] { 2, 0 });
        Assert.Equal(2, batch.Size);
        Assert.Equal(new[] { 4f, 5f, 0f, 1f }, batch["x"].data<float>().ToArray());
        Assert.Equal(new[] { false, true }, batch.Mask("y").data<bool>().ToArray());
        Assert.Equal(new long[] { 2, 0 }, batch.Indices);
    }

    [Fact]
    public void Asking_a_batch_for_an_unknown_tensor_lists_the_known_ones()
    {
        using var data = Small();
        using var batch = data.GetBatch(new long[] { 0 });
        var e = Assert.Throws<KeyNotFoundException>(() => batch["image"]);
        Assert.Contains("x, y", e.Message);
    }

    [Fact]
    public void A_negative_class_index_is_refused_and_the_mask_is_suggested()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorDataset().WithLabel("y", tensor(new long[] { 0, -1, 2 }), LabelKind.Class));
        Assert.Contains("mask", e.Message);
    }

    [Fact]
    public void Tensors_of_a_dataset_survive_the_dispose_scope_they_were_made_in()
    {
        TensorDataset data;
        using (NewDisposeScope())
        {
            data = new TensorDataset().WithFeature("x", ones(3, 2)).WithLabel("y", tensor(new[] { 1.5f, 2f, 3f }));
        }

        using (data)
        {
            Assert.Equal(6f, data.Feature("x").sum().item<float>());
            Assert.Equal(LabelKind.Value, data.Schema.Label("y").Kind);
        }
    }

    [Theory]
    [InlineData(new long[] { 0, 1, 2, 1 }, LabelKind.Class)]
    [InlineData(new long[] { 3, -1, 2, 1 }, LabelKind.Value)]
    public void Integer_labels_are_inferred_as_classes_unless_negative(long[] values, LabelKind expected)
    {
        using var t = tensor(values);
        Assert.Equal(expected, LabelKinds.Infer(t));
    }

    [Fact]
    public void Label_kinds_are_inferred_from_float_values_and_flag_matrices()
    {
        using var whole = tensor(new[] { 0f, 1f, 1f, 2f });
        using var real = tensor(new[] { 0.5f, 1f, 1f, 2f });
        using var flags = tensor(new[,] { { 0f, 1f }, { 1f, 1f } });
        Assert.Equal(LabelKind.Class, LabelKinds.Infer(whole));
        Assert.Equal(LabelKind.Value, LabelKinds.Infer(real));
        Assert.Equal(LabelKind.MultiLabel, LabelKinds.Infer(flags));
    }

    [Fact]
    public void Inference_looks_only_at_present_values()
    {
        using var values = tensor(new[] { 0f, 1f, 0.37f });
        using var mask = tensor(new[] { true, true, false });
        Assert.Equal(LabelKind.Class, LabelKinds.Infer(values, mask));
    }
}
