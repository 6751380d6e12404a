using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class TransformerEncoderTests
{
    [Fact]
    public void It_keeps_the_sequence_shape()
    {
        using var encoder = new TransformerEncoder(dim: 8, heads: 2, layers: 2, feedForwardDim: 16);
        using var x = randn(3, 7, 8);
        using var y = encoder.call(x);

        Assert.Equal(new long[] { 3, 7, 8 }, y.shape);
        long layer = 2 * 16 + 4 * (8 * 8 + 8) + (8 * 16 + 16) + (16 * 8 + 8);
        Assert.Equal(2 * layer + 16, encoder.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Values_at_padded_positions_do_not_change_the_other_outputs()
    {
        using var encoder = new TransformerEncoder(dim: 8, heads: 2, layers: 2, dropout: 0);
        encoder.eval();
        using var x = randn(2, 5, 8);
        using var mask = tensor(new[,] { { false, false, false, true, true }, { false, false, false, false, true } });
        using var changed = x.clone();
        changed[0, TensorIndex.Slice(3, 5)] = randn(2, 8) * 10;
        changed[1, 4] = randn(8) * 10;

        using var a = encoder.forward(x, mask);
        using var b = encoder.forward(changed, mask);
        using var unmasked = encoder.forward(changed, null);

        Assert.True(a[0, TensorIndex.Slice(0, 3)].allclose(b[0, TensorIndex.Slice(0, 3)], atol: 1e-6));
        Assert.True(a[1, TensorIndex.Slice(0, 4)].allclose(b[1, TensorIndex.Slice(0, 4)], atol: 1e-6));
        Assert.False(a[0, TensorIndex.Slice(0, 3)].allclose(unmasked[0, TensorIndex.Slice(0, 3)], atol: 1e-3));
    }

    [Fact]
    public void Causal_encoding_makes_earlier_outputs_independent_of_later_inputs()
    {
        using var encoder = new TransformerEncoder(dim: 8, heads: 2, layers: 1, dropout: 0, causal: true);
        using var x = randn(1, 4, 8);
        using var changed = x.clone();
        changed[0, 3] = randn(8);

        using var a = encoder.call(x);
        using var b = encoder.call(changed);

        Assert.True(a[0, TensorIndex.Slice(0, 3)].allclose(b[0, TensorIndex.Slice(0, 3)], atol: 1e-6));
        Assert.False(a[0, 3].allclose(b[0, 3], atol: 1e-3));
    }

    [Fact]
    public void Gradients_reach_every_parameter()
    {
        using var encoder = new TransformerEncoder(dim: 8, heads: 2, layers: 2, dropout: 0.1);
        using var x = randn(2, 5, 8);
        encoder.call(x).pow(2).sum().backward();

        Assert.All(encoder.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void A_wrong_width_or_mask_names_the_block_and_the_shapes()
    {
        using var encoder = new TransformerEncoder(dim: 8, heads: 2, layers: 1);
        using var wide = randn(2, 5, 6);
        using var x = randn(2, 5, 8);
        using var mask = zeros(2, 4, dtype: ScalarType.Bool);

        var widthError = Assert.Throws<ArgumentException>(() => encoder.call(wide));
        var maskError = Assert.Throws<ArgumentException>(() => encoder.forward(x, mask));

        Assert.Contains("TransformerEncoder", widthError.Message);
        Assert.Contains("[batch, time, 8]", widthError.Message);
        Assert.Contains("[2, 5, 6]", widthError.Message);
        Assert.Equal("keyPaddingMask", maskError.ParamName);
        Assert.Contains("[2, 5]", maskError.Message);
        Assert.Contains("[2, 4]", maskError.Message);
    }

    [Theory]
    [InlineData(0, 1, 1, 0.1, "dim")]
    [InlineData(8, 3, 1, 0.1, "heads")]
    [InlineData(8, 2, 0, 0.1, "layers")]
    [InlineData(8, 2, 1, 1.0, "dropout")]
    public void Invalid_arguments_are_refused_by_name(int dim, int heads, int layers, double dropout, string parameter)
    {
        var e = Assert.Throws<ArgumentException>(() => new TransformerEncoder(dim, heads, layers, dropout: dropout));

        Assert.Equal(parameter, e.ParamName);
    }
}
