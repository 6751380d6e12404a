using Graft.Models.Blocks;
using static Graft.Tests.Models.Blocks.ConvStackTestSupport;

namespace Graft.Tests.Models.Blocks;

public class ConvDecoder1dTests
{
    [Theory]
    [InlineData(8, 10, 2, 1000)]
    [InlineData(8, 1, 1, 50)]
    [InlineData(4, 60, 3, 100)]
    [InlineData(4, 7, 4, 7)]
    public void Any_lengths_give_the_exact_output_shape_with_gentle_monotone_stages(long c, long length, long oc, long target)
    {
        long[] input = { c, length }, output = { oc, target };
        using var decoder = new ConvDecoder1d(input, output);
        var plan = decoder.Layout;

        Assert.Equal(new long[] { 2, oc, target }, ForwardShape(decoder, input));
        Assert.Equal(plan.ParameterCount, ParameterCount(decoder));
        AssertStagesChain(plan);
        AssertMonotoneChannels(plan);
        AssertGentleStages(plan);
        AssertOneStagePerFactorTwo(plan);
    }

    [Fact]
    public void The_landing_stage_comes_first_and_grows_by_its_kernel()
    {
        var plan = ConvDecoder1d.Plan(new long[] { 8, 10 }, new long[] { 2, 1000 });

        Assert.Equal(ConvStageRole.Landing, plan.Stages[0].Role);
        Assert.Equal(new long[] { 16 }, plan.Stages[0].OutputSize);
        Assert.Equal(new[] { 7 }, plan.Stages[0].Kernel);
        Assert.All(plan.Stages.Skip(1), s => Assert.Equal(ConvStageRole.Upsample, s.Role));
    }

    [Theory]
    [InlineData(10, 1000, 500)]
    [InlineData(60, 100, 50)]
    [InlineData(7, 100, 41)]
    public void The_reported_receptive_field_matches_the_gradient_support_of_an_output_unit(long length, long target, long unit)
    {
        var options = new ConvStackOptions { BatchNorm = false, Activation = ActivationKind.Tanh };
        using var decoder = new ConvDecoder1d(new long[] { 2, length }, new long[] { 1, target }, options);

        Assert.True(GradientExtent(decoder, new[] { unit })[0] <= decoder.Layout.ReceptiveField[0]);
        Assert.Equal(decoder.Layout.ReceptiveField[0], MaxGradientExtent1d(decoder));
    }
}
