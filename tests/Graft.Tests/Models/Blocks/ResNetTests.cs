using Graft.Models.Blocks;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

public class ResNetTests
{
    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>Parameters of a CIFAR-style ResNet counted from its definition, block by block.</summary>
    private static long Expected(int depth, int input, int classes, int w)
    {
        static long Block(long i, long o) => i * o * 9 + 2 * o + o * o * 9 + 2 * o + (i != o ? i * o + 2 * o : 0);
        int n = (depth - 2) / 6;
        long total = input * w * 9 + 2 * w;
        long c = w;
        for (int stage = 0; stage < 3; stage++)
        {
            long o = (long)w << stage;
            for (int b = 0; b < n; b++)
            {
                total += Block(c, o);
                c = o;
            }
        }

        return total + 4L * w * classes + classes;
    }

    [Theory]
    [InlineData(8, 1, 28)]
    [InlineData(14, 1, 28)]
    [InlineData(20, 3, 32)]
    [InlineData(8, 3, 32)]
    public void Forward_gives_one_logit_per_class_for_28_and_32_pixel_images(int depth, int channels, int size)
    {
        using var model = ResNet.Create(depth, channels, 10, width: 4);
        using var x = randn(2, channels, size, size);
        using var y = model.call(x);

        Assert.Equal(new long[] { 2, 10 }, y.shape);
        Assert.Equal(Expected(depth, channels, 10, 4), Count(model));
    }

    [Fact]
    public void ResNet8_with_width_4_has_the_hand_counted_parameters()
    {
        // stem 44, stage 1: 304, stage 2: 944, stage 3: 3680, classifier 170.
        using var model = ResNet.ResNet8(1, 10, 4);

        Assert.Equal(5142, Count(model));
    }

    [Fact]
    public void ResNet20_at_width_16_has_the_classic_272474_parameters()
    {
        using var model = ResNet.ResNet20(3, 10);

        Assert.Equal(272_474, Count(model));
    }

    [Fact]
    public void The_named_builders_give_the_named_depths()
    {
        using var r8 = ResNet.ResNet8(1, 2, 2);
        using var r14 = ResNet.ResNet14(1, 2, 2);
        using var r20 = ResNet.ResNet20(1, 2, 2);

        Assert.Equal(3, r8.modules().OfType<ResidualBlock>().Count());
        Assert.Equal(6, r14.modules().OfType<ResidualBlock>().Count());
        Assert.Equal(9, r20.modules().OfType<ResidualBlock>().Count());
        Assert.Equal(1 + 2 * 9, r20.modules().OfType<TorchSharp.Modules.Conv2d>().Count(c => c.weight!.shape[2] == 3));
    }

    [Fact]
    public void The_stages_halve_the_size_twice()
    {
        using var model = ResNet.ResNet8(1, 10, 4);
        var blocks = model.modules().OfType<ResidualBlock>().ToList();

        Assert.Equal(new[] { 1, 2, 2 }, blocks.Select(b => b.Stride));
        Assert.Equal(new[] { 4, 8, 16 }, blocks.Select(b => b.OutChannels));
    }

    [Theory]
    [InlineData(10, 1, 10, 16, "depth")]
    [InlineData(8, 0, 10, 16, "inputChannels")]
    [InlineData(8, 1, 0, 16, "classes")]
    [InlineData(8, 1, 10, 0, "width")]
    public void Invalid_arguments_are_refused_by_name(int depth, int channels, int classes, int width, string parameter)
    {
        var e = Assert.Throws<ArgumentException>(() => ResNet.Create(depth, channels, classes, width));

        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void A_wrong_channel_count_names_the_network_and_both_shapes()
    {
        using var model = ResNet.ResNet8(3, 10, 2);
        using var x = zeros(2, 1, 28, 28);

        var e = Assert.Throws<ArgumentException>(() => model.call(x));

        Assert.Contains("ResNet8", e.Message);
        Assert.Contains("[batch, 3, height, width]", e.Message);
        Assert.Contains("[2, 1, 28, 28]", e.Message);
    }
}
