using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class ConvDecoderNonSquareTests
{
    [Theory]
    [InlineData(64, 1, 1, 1, 28, 27)]
    [InlineData(8, 2, 3, 1, 28, 20)]
    [InlineData(4, 3, 3, 2, 30, 7)]
    public void A_decoder_lands_exactly_on_a_non_square_target(long c, long h, long w, long oc, long oh, long ow)
    {
        using var decoder = new ConvDecoder(new[] { c, h, w }, new[] { oc, oh, ow });
        using var y = decoder.call(zeros(2, c, h, w));
        Assert.Equal(new[] { 2, oc, oh, ow }, y.shape);
        Assert.Equal(decoder.Layout.ParameterCount, decoder.parameters().Sum(p => p.numel()));
    }
}
