using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class TokenEmbeddingTests
{
    [Fact]
    public void Token_ids_become_vectors_of_the_embedding_size()
    {
        using var embedding = new TokenEmbedding(20, 8, maxLength: 10);
        using var ids = randint(0, 20, new long[] { 3, 6 }, dtype: ScalarType.Int64);
        using var y = embedding.call(ids);

        Assert.Equal(new long[] { 3, 6, 8 }, y.shape);
    }

    [Fact]
    public void The_positional_embedding_makes_the_same_token_differ_by_position()
    {
        using var plain = new TokenEmbedding(20, 8);
        using var positional = new TokenEmbedding(20, 8, maxLength: 4);
        using var ids = tensor(new long[] { 5, 5, 5 }).unsqueeze(0);
        using var a = plain.call(ids);
        using var b = positional.call(ids);

        Assert.True(a[0, 0].allclose(a[0, 2]));
        Assert.False(b[0, 0].allclose(b[0, 2]));
        Assert.Equal(20 * 8 + 4 * 8, positional.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void The_padding_token_embeds_to_zero_and_gets_no_gradient()
    {
        using var embedding = new TokenEmbedding(10, 4, paddingIndex: 0);
        using var ids = tensor(new long[,] { { 3, 0, 0 }, { 1, 2, 0 } });
        var y = embedding.call(ids);
        y.sum().backward();
        var weight = embedding.parameters().Single();

        Assert.Equal(0, y[0, 1].abs().sum().item<float>());
        Assert.Equal(0, weight.grad![0].abs().sum().item<float>());
        Assert.NotEqual(0, weight.grad![3].abs().sum().item<float>());
        Assert.Equal(new[] { false, true, true, false, false, true }, embedding.PaddingMask(ids).flatten().data<bool>().ToArray());
    }

    [Fact]
    public void A_sequence_longer_than_the_positions_is_refused_with_its_shape()
    {
        using var embedding = new TokenEmbedding(10, 4, maxLength: 5);
        using var ids = zeros(2, 6, dtype: ScalarType.Int64);

        var e = Assert.Throws<ArgumentException>(() => embedding.call(ids));

        Assert.Contains("TokenEmbedding", e.Message);
        Assert.Contains("at most 5", e.Message);
        Assert.Contains("[2, 6]", e.Message);
    }

    [Fact]
    public void Float_input_and_out_of_range_ids_are_refused_with_what_was_expected()
    {
        using var embedding = new TokenEmbedding(10, 4);
        using var floats = zeros(2, 3);
        using var big = tensor(new long[,] { { 1, 10 } });

        var typeError = Assert.Throws<ArgumentException>(() => embedding.call(floats));
        var rangeError = Assert.Throws<ArgumentException>(() => embedding.call(big));

        Assert.Contains("Int64", typeError.Message);
        Assert.Contains("Float32", typeError.Message);
        Assert.Contains("[0, 10)", rangeError.Message);
        Assert.Contains("from 1 to 10", rangeError.Message);
    }

    [Theory]
    [InlineData(0, 4, null, null, "vocabularySize")]
    [InlineData(10, 0, null, null, "dim")]
    [InlineData(10, 4, 0, null, "maxLength")]
    [InlineData(10, 4, null, 10L, "paddingIndex")]
    public void Invalid_arguments_are_refused_by_name(long vocabulary, int dim, int? maxLength, long? padding, string parameter)
    {
        var e = Assert.Throws<ArgumentException>(() => new TokenEmbedding(vocabulary, dim, maxLength, padding));

        Assert.Equal(parameter, e.ParamName);
    }
}
