using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class ResidualBlockTests
{
    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void Same_channels_and_stride_one_keep_the_shape_with_an_identity_shortcut()
    {
        using var block = new ResidualBlock(4, 4);
        using var x = randn(2, 4, 9, 7);
        using var y = block.call(x);

        Assert.False(block.HasProjection);
        Assert.Equal(new long[] { 2, 4, 9, 7 }, y.shape);
        Assert.Equal(2 * (4 * 4 * 9) + 2 * (2 * 4), Count(block));
    }

    [Theory]
    [InlineData(4, 8, 1, 9, 7, 9, 7)]
    [InlineData(4, 8, 2, 9, 7, 5, 4)]
    [InlineData(4, 4, 2, 28, 28, 14, 14)]
    public void New_channels_or_stride_two_use_a_projection_shortcut(int inC, int outC, int stride, long h, long w, long oh, long ow)
    {
        using var block = new ResidualBlock(inC, outC, stride);
        using var x = randn(2, inC, h, w);
        using var y = block.call(x);

        Assert.True(block.HasProjection);
        Assert.Equal(new long[] { 2, outC, oh, ow }, y.shape);
        long expected = inC * outC * 9 + 2 * outC + outC * outC * 9 + 2 * outC + inC * outC + 2 * outC;
        Assert.Equal(expected, Count(block));
    }

    [Fact]
    public void The_identity_shortcut_adds_the_input_to_the_residual_branch()
    {
        // With the last batch-norm scale at zero the residual branch is zero: output = relu(input).
        using var block = new ResidualBlock(3, 3);
        block.eval();
        var bn2 = block.named_modules().Single(m => m.name == "bn2").module;
        using (no_grad())
            bn2.named_parameters().Single(p => p.name == "weight").parameter.zero_();
        using var x = randn(2, 3, 5, 5);
        using var y = block.call(x);

        Assert.True(y.allclose(nn.functional.relu(x)));
    }

    [Fact]
    public void A_wrong_channel_count_names_the_block_and_both_shapes()
    {
        using var block = new ResidualBlock(4, 8, 2);
        using var x = zeros(2, 3, 8, 8);

        var e = Assert.Throws<ArgumentException>(() => block.call(x));

        Assert.Contains("ResidualBlock", e.Message);
        Assert.Contains("[batch, 4, height, width]", e.Message);
        Assert.Contains("[2, 3, 8, 8]", e.Message);
    }

    [Theory]
    [InlineData(0, 4, 1, "inChannels")]
    [InlineData(4, 0, 1, "outChannels")]
    [InlineData(4, 4, 3, "stride")]
    public void Invalid_arguments_are_refused_by_name(int inC, int outC, int stride, string parameter)
    {
        var e = Assert.Throws<ArgumentException>(() => new ResidualBlock(inC, outC, stride));

        Assert.Equal(parameter, e.ParamName);
    }
}
