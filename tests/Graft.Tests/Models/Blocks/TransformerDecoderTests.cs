using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class TransformerDecoderTests
{
    [Fact]
    public void It_gives_one_vector_per_target_position()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 2);
        using var target = randn(3, 4, 8);
        using var memory = randn(3, 9, 8);
        using var y = decoder.call(target, memory);

        Assert.Equal(new long[] { 3, 4, 8 }, y.shape);
    }

    [Fact]
    public void Changing_the_memory_changes_the_output()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 1, dropout: 0);
        using var target = randn(2, 4, 8);
        using var memory = randn(2, 6, 8);
        using var other = randn(2, 6, 8);

        using var a = decoder.call(target, memory);
        using var b = decoder.call(target, memory);
        using var c = decoder.call(target, other);

        Assert.True(a.allclose(b));
        Assert.False(a.allclose(c, atol: 1e-3));
    }

    [Fact]
    public void Padded_memory_positions_do_not_change_the_output()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 2, dropout: 0);
        decoder.eval();
        using var target = randn(2, 4, 8);
        using var memory = randn(2, 6, 8);
        using var mask = tensor(new[,] { { false, false, false, false, true, true }, { false, false, false, false, false, false } });
        using var changed = memory.clone();
        changed[0, TensorIndex.Slice(4, 6)] = randn(2, 8) * 10;

        using var a = decoder.forward(target, memory, null, mask);
        using var b = decoder.forward(target, changed, null, mask);

        Assert.True(a.allclose(b, atol: 1e-6));
    }

    [Fact]
    public void A_memory_of_another_width_is_attended_through_its_own_projection()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 1, memoryDim: 5);
        using var target = randn(2, 4, 8);
        using var memory = randn(2, 3, 5);
        using var y = decoder.call(target, memory);

        Assert.Equal(new long[] { 2, 4, 8 }, y.shape);
    }

    [Fact]
    public void Causal_decoding_keeps_earlier_outputs_independent_of_later_targets()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 1, dropout: 0, causal: true);
        using var target = randn(1, 4, 8);
        using var memory = randn(1, 3, 8);
        using var changed = target.clone();
        changed[0, 3] = randn(8);

        using var a = decoder.call(target, memory);
        using var b = decoder.call(changed, memory);

        Assert.True(a[0, TensorIndex.Slice(0, 3)].allclose(b[0, TensorIndex.Slice(0, 3)], atol: 1e-6));
    }

    [Fact]
    public void A_memory_with_another_batch_size_is_refused_with_both_shapes()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 1);
        using var target = randn(2, 4, 8);
        using var memory = randn(3, 6, 8);

        var e = Assert.Throws<ArgumentException>(() => decoder.call(target, memory));

        Assert.Contains("TransformerDecoder", e.Message);
        Assert.Contains("[3, 6, 8]", e.Message);
        Assert.Contains("[2, 4, 8]", e.Message);
    }

    [Fact]
    public void A_memory_of_the_wrong_width_names_the_expected_width()
    {
        using var decoder = new TransformerDecoder(dim: 8, heads: 2, layers: 1);
        using var target = randn(2, 4, 8);
        using var memory = randn(2, 6, 5);

        var e = Assert.Throws<ArgumentException>(() => decoder.call(target, memory));

        Assert.Equal("memory", e.ParamName);
        Assert.Contains("[batch, time, 8]", e.Message);
        Assert.Contains("[2, 6, 5]", e.Message);
    }
}
