using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class MultiHeadAttentionTests
{
    [Fact]
    public void Padded_keys_get_exactly_zero_weight_and_rows_sum_to_one()
    {
        using var attention = new MultiHeadAttention(8, 2);
        using var x = randn(2, 5, 8);
        using var mask = tensor(new[,] { { false, false, false, true, true }, { false, true, false, false, false } });
        var (output, weights) = attention.Attend(x, x, x, mask);

        Assert.Equal(new long[] { 2, 5, 8 }, output.shape);
        Assert.Equal(new long[] { 2, 2, 5, 5 }, weights.shape);
        Assert.Equal(0, weights[0, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(3, 5)].abs().sum().item<float>());
        Assert.Equal(0, weights[1, TensorIndex.Colon, TensorIndex.Colon, 1].abs().sum().item<float>());
        Assert.True(weights.sum(-1).allclose(ones(2, 2, 5)));
    }

    [Fact]
    public void Causal_attention_gives_no_weight_to_later_positions()
    {
        using var attention = new MultiHeadAttention(4, 1);
        using var x = randn(1, 4, 4);
        var (_, weights) = attention.Attend(x, x, x, causal: true);

        Assert.Equal(0, weights.triu(1).abs().sum().item<float>());
        Assert.True(weights.sum(-1).allclose(ones(1, 1, 4)));
    }

    [Fact]
    public void A_query_with_every_key_masked_gives_finite_output()
    {
        using var attention = new MultiHeadAttention(4, 2);
        using var x = randn(1, 3, 4);
        using var mask = ones(1, 3, dtype: ScalarType.Bool);
        var (output, weights) = attention.Attend(x, x, x, mask);

        Assert.False(output.isnan().any().item<bool>());
        Assert.Equal(0, weights.abs().sum().item<float>());
    }

    [Fact]
    public void It_matches_torchsharp_multihead_attention_with_the_same_weights()
    {
        using var mine = new MultiHeadAttention(8, 2);
        using var reference = nn.MultiheadAttention(8, 2);
        var p = mine.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        var r = reference.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        using (no_grad())
        {
            r["in_proj_weight"].copy_(cat(new[] { p["query.weight"], p["key.weight"], p["value.weight"] }, 0));
            r["in_proj_bias"].copy_(cat(new[] { p["query.bias"], p["key.bias"], p["value.bias"] }, 0));
            r["out_proj.weight"].copy_(p["output.weight"]);
            r["out_proj.bias"].copy_(p["output.bias"]);
        }

        using var q = randn(2, 3, 8);
        using var kv = randn(2, 5, 8);
        using var mask = tensor(new[,] { { false, false, true, false, true }, { false, false, false, false, false } });
        using var ours = mine.forward(q, kv, kv, mask, false);
        var (theirs, _) = reference.call(q.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1), mask);

        Assert.True(ours.allclose(theirs.transpose(0, 1), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Keys_of_another_size_are_projected_to_the_query_size()
    {
        using var attention = new MultiHeadAttention(8, 4, keyDim: 3);
        using var q = randn(2, 4, 8);
        using var kv = randn(2, 6, 3);
        using var y = attention.call(q, kv, kv);

        Assert.Equal(new long[] { 2, 4, 8 }, y.shape);
    }

    [Fact]
    public void Wrong_shapes_are_refused_with_the_expected_and_actual_shapes()
    {
        using var attention = new MultiHeadAttention(8, 2);
        using var q = randn(2, 4, 8);
        using var badKeys = randn(2, 4, 6);
        using var badMask = zeros(2, 3, dtype: ScalarType.Bool);

        var keyError = Assert.Throws<ArgumentException>(() => attention.call(q, badKeys, badKeys));
        var maskError = Assert.Throws<ArgumentException>(() => attention.forward(q, q, q, badMask, false));

        Assert.Contains("[2, time, 8]", keyError.Message);
        Assert.Contains("[2, 4, 6]", keyError.Message);
        Assert.Contains("[2, 4]", maskError.Message);
        Assert.Contains("[2, 3]", maskError.Message);
    }

    [Fact]
    public void Heads_that_do_not_divide_the_size_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(8, 3));

        Assert.Equal("heads", e.ParamName);
        Assert.Contains("it is 3", e.Message);
    }
}
