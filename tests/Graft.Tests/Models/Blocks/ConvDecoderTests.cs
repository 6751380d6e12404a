using Graft.Models.Blocks;
using static Graft.Tests.Models.Blocks.ConvStackTestSupport;

namespace Graft.Tests.Models.Blocks;

public class ConvDecoderTests
{
    [Theory]
    [InlineData(8, 1, 1, 1, 28, 28)]
    [InlineData(8, 4, 4, 3, 30, 30)]
    [InlineData(6, 7, 7, 1, 100, 100)]
    [InlineData(8, 4, 3, 1, 28, 20)]
    [InlineData(6, 3, 3, 2, 17, 17)]
    [InlineData(4, 40, 40, 1, 64, 64)]
    [InlineData(4, 5, 5, 2, 5, 5)]
    public void Any_sizes_give_the_exact_output_shape_with_gentle_monotone_stages(long c, long h, long w, long oc, long oh, long ow)
    {
        long[] input = { c, h, w }, output = { oc, oh, ow };
        using var decoder = new ConvDecoder(input, output);
        var plan = decoder.Layout;

        Assert.Equal(new long[] { 2, oc, oh, ow }, ForwardShape(decoder, input));
        Assert.Equal(plan.ParameterCount, ParameterCount(decoder));
        AssertStagesChain(plan);
        AssertMonotoneChannels(plan);
        AssertGentleStages(plan);
        AssertOneStagePerFactorTwo(plan);
    }

    [Fact]
    public void One_to_twenty_eight_mirrors_the_encoder_with_transposed_convolutions()
    {
        var plan = ConvDecoder.Plan(new long[] { 32, 1, 1 }, new long[] { 1, 28, 28 });

        Assert.Equal(new long[] { 2, 4, 7, 14, 28 }, plan.Stages.Select(s => s.OutputSize[0]));
        Assert.All(plan.Stages, s => Assert.True(s.Transposed));
        Assert.All(plan.Stages, s => Assert.Equal(ConvStageRole.Upsample, s.Role));
        Assert.Equal(new[] { 1, 1, 0, 1, 1 }, plan.Stages.Select(s => s.OutputPadding[0]));
        Assert.Equal(new long[] { 16, 8, 4, 2, 1 }, plan.Stages.Select(s => s.OutChannels));
    }

    [Fact]
    public void The_last_stage_is_a_plain_convolution_unless_asked_otherwise()
    {
        var plain = ConvDecoder.Plan(new long[] { 8, 1, 1 }, new long[] { 1, 28, 28 });
        var activated = ConvDecoder.Plan(new long[] { 8, 1, 1 }, new long[] { 1, 28, 28 }, new ConvStackOptions { ActivateOutput = true });

        Assert.False(plain.Stages[^1].BatchNorm);
        Assert.False(plain.Stages[^1].Activated);
        Assert.True(plain.Stages[^2].Activated);
        Assert.True(activated.Stages[^1].BatchNorm);
        Assert.True(activated.Stages[^1].Activated);
    }

    [Fact]
    public void A_large_remainder_below_two_upsamples_before_a_regular_convolution()
    {
        using var decoder = new ConvDecoder(new long[] { 4, 40, 40 }, new long[] { 1, 64, 64 });

        var only = Assert.Single(decoder.Layout.Stages);
        Assert.Equal(StageResampling.NearestUpsample, only.Resampling);
        Assert.False(only.Transposed);
        Assert.Contains(decoder.modules(), m => m is TorchSharp.Modules.Upsample);
    }

    [Fact]
    public void Every_output_unit_of_a_decoder_from_one_position_depends_on_it()
    {
        var plan = ConvDecoder.Plan(new long[] { 8, 1, 1 }, new long[] { 1, 28, 28 });

        Assert.True(plan.CoversWholeInput);
        Assert.Equal(new long[] { 1, 1 }, plan.ReceptiveField);
    }

    [Fact]
    public void The_reported_receptive_field_matches_the_gradient_support_of_an_output_unit()
    {
        var options = new ConvStackOptions { BatchNorm = false, Activation = ActivationKind.Tanh };
        using var decoder = new ConvDecoder(new long[] { 2, 4, 4 }, new long[] { 1, 30, 30 }, options);

        Assert.Equal(decoder.Layout.ReceptiveField, GradientExtent(decoder, new long[] { 15, 15 }));
    }

    [Fact]
    public void An_output_smaller_than_the_input_points_to_the_encoder()
    {
        var e = Assert.Throws<ArgumentException>(() => new ConvDecoder(new long[] { 8, 7, 7 }, new long[] { 1, 28, 5 }));

        Assert.Equal("outputShape", e.ParamName);
        Assert.Contains("width 5", e.Message);
        Assert.Contains("ConvEncoder", e.Message);
    }

    [Fact]
    public void A_wrong_input_shape_names_the_block_and_both_shapes()
    {
        using var decoder = new ConvDecoder(new long[] { 8, 4, 4 }, new long[] { 1, 30, 30 });
        using var x = TorchSharp.torch.zeros(2, 8, 4);

        var e = Assert.Throws<ArgumentException>(() => decoder.call(x));

        Assert.Contains("ConvDecoder", e.Message);
        Assert.Contains("[batch, 8, 4, 4]", e.Message);
        Assert.Contains("[2, 8, 4]", e.Message);
    }
}
