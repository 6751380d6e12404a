using Graft.Models.Blocks;
using static Graft.Tests.Models.Blocks.ConvStackTestSupport;

namespace Graft.Tests.Models.Blocks;

public class ConvEncoderTests
{
    [Theory]
    [InlineData(1, 28, 28, 8, 1, 1)]
    [InlineData(3, 30, 30, 8, 4, 4)]
    [InlineData(1, 100, 100, 6, 7, 7)]
    [InlineData(1, 28, 28, 8, 7, 7)]
    [InlineData(2, 17, 17, 6, 3, 3)]
    [InlineData(3, 64, 64, 4, 64, 64)]
    [InlineData(2, 5, 5, 4, 5, 5)]
    [InlineData(1, 28, 20, 8, 4, 3)]
    [InlineData(1, 64, 64, 4, 40, 40)]
    [InlineData(2, 50, 31, 4, 30, 2)]
    public void Any_sizes_give_the_exact_output_shape_with_gentle_monotone_stages(long c, long h, long w, long oc, long oh, long ow)
    {
        long[] input = { c, h, w }, output = { oc, oh, ow };
        var plan = ConvEncoder.Plan(input, output, new ConvStackOptions { MaxChannels = 16 });
        using var encoder = new ConvEncoder(input, output, new ConvStackOptions { MaxChannels = 16 });

        Assert.Equal(new long[] { 2, oc, oh, ow }, ForwardShape(encoder, input));
        Assert.Equal(plan.ParameterCount, ParameterCount(encoder));
        Assert.Equal(plan.ParameterCount, encoder.Layout.ParameterCount);
        AssertStagesChain(plan);
        AssertMonotoneChannels(plan);
        AssertGentleStages(plan);
        AssertOneStagePerFactorTwo(plan);
        Assert.All(plan.Stages.Where(s => s.Role == ConvStageRole.Downsample), s => Assert.Contains(2, s.Stride));
        if (oh == 1 && ow == 1)
        {
            Assert.True(plan.CoversWholeInput, plan.Describe());
            Assert.True(plan.ReceptiveField[0] >= h && plan.ReceptiveField[1] >= w, plan.Describe());
        }
    }

    [Fact]
    public void Twenty_eight_to_one_halves_five_times_with_stride_two_convolutions()
    {
        var plan = ConvEncoder.Plan(new long[] { 1, 28, 28 }, new long[] { 32, 1, 1 });

        Assert.Equal(new long[] { 14, 7, 4, 2, 1 }, plan.Stages.Select(s => s.OutputSize[0]));
        Assert.All(plan.Stages, s => Assert.Equal(ConvStageRole.Downsample, s.Role));
        Assert.All(plan.Stages, s => Assert.Equal(StageResampling.None, s.Resampling));
        Assert.Equal(new long[] { 2, 4, 8, 16, 32 }, plan.Stages.Select(s => s.OutChannels));
    }

    [Fact]
    public void A_remainder_below_two_is_taken_by_a_landing_convolution_with_a_computed_kernel()
    {
        // 1000 -> ... -> 16 by halving, then 16 -> 10 needs a 7-wide valid convolution.
        var plan = ConvEncoder1d.Plan(new long[] { 1, 1000 }, new long[] { 4, 10 });
        var last = plan.Stages[^1];

        Assert.Equal(ConvStageRole.Landing, last.Role);
        Assert.Equal(new long[] { 16 }, last.InputSize);
        Assert.Equal(new[] { 7 }, last.Kernel);
        Assert.Equal(new[] { 0 }, last.Padding);
        Assert.Equal(StageResampling.None, last.Resampling);
    }

    [Fact]
    public void A_large_remainder_below_two_lands_with_adaptive_pooling_after_a_regular_convolution()
    {
        var plan = ConvEncoder.Plan(new long[] { 1, 64, 64 }, new long[] { 4, 40, 40 });

        var only = Assert.Single(plan.Stages);
        Assert.Equal(StageResampling.AdaptiveAveragePool, only.Resampling);
        Assert.Equal(new[] { 3, 3 }, only.Kernel);
        Assert.True(only.SizeFactor < 2);
    }

    [Fact]
    public void Equal_sizes_give_one_channel_stage_that_keeps_the_size()
    {
        var plan = ConvEncoder.Plan(new long[] { 3, 64, 64 }, new long[] { 8, 64, 64 });

        var only = Assert.Single(plan.Stages);
        Assert.Equal(ConvStageRole.Channels, only.Role);
        Assert.Equal(new[] { 1, 1 }, only.Stride);
        Assert.Equal(new long[] { 64, 64 }, only.OutputSize);
    }

    [Fact]
    public void Non_square_inputs_stride_each_axis_separately()
    {
        // height 28 -> 14 -> 7 stops after two halvings; width 20 -> 10 -> 5 -> 3 -> 2 needs four.
        var plan = ConvEncoder.Plan(new long[] { 1, 28, 20 }, new long[] { 4, 7, 2 });

        Assert.Equal(new[] { 2, 2, 1, 1 }, plan.Stages.Select(s => s.Stride[0]));
        Assert.Equal(new[] { 2, 2, 2, 2 }, plan.Stages.Select(s => s.Stride[1]));
        Assert.Equal(new long[] { 7, 2 }, plan.Stages[^1].OutputSize);
    }

    [Theory]
    [InlineData(28, 7, 3)]
    [InlineData(28, 7, 5)]
    [InlineData(17, 3, 3)]
    [InlineData(30, 4, 3)]
    [InlineData(28, 1, 3)]
    public void The_reported_receptive_field_matches_the_gradient_support_of_an_output_unit(long size, long target, int kernel)
    {
        var options = new ConvStackOptions { BatchNorm = false, Activation = ActivationKind.Tanh, KernelSize = kernel };
        using var encoder = new ConvEncoder(new long[] { 1, size, size }, new long[] { 2, target, target }, options);
        long middle = target / 2;

        var extent = GradientExtent(encoder, new[] { middle, middle });

        Assert.Equal(encoder.Layout.ReceptiveField, extent);
    }

    [Fact]
    public void A_wrong_input_shape_names_the_block_and_both_shapes()
    {
        using var encoder = new ConvEncoder(new long[] { 1, 28, 28 }, new long[] { 8, 1, 1 });
        using var x = TorchSharp.torch.zeros(2, 3, 28, 28);

        var e = Assert.Throws<ArgumentException>(() => encoder.call(x));

        Assert.Contains("ConvEncoder", e.Message);
        Assert.Contains("[batch, 1, 28, 28]", e.Message);
        Assert.Contains("[2, 3, 28, 28]", e.Message);
    }

    [Fact]
    public void An_output_larger_than_the_input_points_to_the_decoder()
    {
        var e = Assert.Throws<ArgumentException>(() => ConvEncoder.Plan(new long[] { 1, 28, 28 }, new long[] { 8, 32, 28 }));

        Assert.Equal("outputShape", e.ParamName);
        Assert.Contains("height 32", e.Message);
        Assert.Contains("ConvDecoder", e.Message);
    }

    [Theory]
    [InlineData(new long[] { 28, 28 }, "must have 3 entries")]
    [InlineData(new long[] { 0, 28, 28 }, "at least 1")]
    public void A_malformed_input_shape_is_refused_with_its_value(long[] input, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new ConvEncoder(input, new long[] { 8, 1, 1 }));

        Assert.Equal("inputShape", e.ParamName);
        Assert.Contains(expected, e.Message);
        Assert.Contains("[" + string.Join(", ", input) + "]", e.Message);
    }

    [Fact]
    public void Describe_lists_every_stage_with_sizes_and_the_receptive_field()
    {
        var text = ConvEncoder.Plan(new long[] { 1, 28, 28 }, new long[] { 8, 1, 1 }).Describe();

        Assert.Contains("ConvEncoder [1, 28, 28] -> [8, 1, 1]: 5 stages", text);
        Assert.Contains("covers the whole input", text);
        Assert.Contains("28x28 -> 14x14", text);
        Assert.Contains("2x2 -> 1x1", text);
        Assert.Equal(6, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Options_change_the_stages_as_documented()
    {
        var options = new ConvStackOptions { BatchNorm = false, Dropout = 0.2, Activation = ActivationKind.GELU, KernelSize = 5, MaxChannels = 6 };
        using var encoder = new ConvEncoder(new long[] { 1, 16, 16 }, new long[] { 32, 1, 1 }, options);
        var plan = encoder.Layout;

        Assert.All(plan.Stages, s => Assert.False(s.BatchNorm));
        Assert.All(plan.Stages, s => Assert.Equal(0.2, s.Dropout));
        Assert.All(plan.Stages, s => Assert.Equal(new[] { 5, 5 }, s.Kernel));
        Assert.All(plan.Stages.SkipLast(1), s => Assert.True(s.OutChannels <= 6));
        Assert.Equal(32, plan.Stages[^1].OutChannels);
        Assert.Contains(encoder.modules(), m => m is TorchSharp.Modules.GELU);
        Assert.Contains(encoder.modules(), m => m is TorchSharp.Modules.Dropout);
        Assert.DoesNotContain(encoder.modules(), m => m is TorchSharp.Modules.BatchNorm2d);
        Assert.Equal(plan.ParameterCount, ParameterCount(encoder));
    }
}
