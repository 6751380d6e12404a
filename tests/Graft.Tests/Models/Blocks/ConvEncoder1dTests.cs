using Graft.Models.Blocks;
using static Graft.Tests.Models.Blocks.ConvStackTestSupport;

namespace Graft.Tests.Models.Blocks;

public class ConvEncoder1dTests
{
    [Theory]
    [InlineData(2, 1000, 8, 10)]
    [InlineData(1, 50, 8, 1)]
    [InlineData(3, 100, 4, 60)]
    [InlineData(4, 7, 4, 7)]
    [InlineData(1, 2, 3, 1)]
    public void Any_lengths_give_the_exact_output_shape_with_gentle_monotone_stages(long c, long length, long oc, long target)
    {
        long[] input = { c, length }, output = { oc, target };
        using var encoder = new ConvEncoder1d(input, output);
        var plan = encoder.Layout;

        Assert.Equal(new long[] { 2, oc, target }, ForwardShape(encoder, input));
        Assert.Equal(plan.ParameterCount, ParameterCount(encoder));
        AssertStagesChain(plan);
        AssertMonotoneChannels(plan);
        AssertGentleStages(plan);
        AssertOneStagePerFactorTwo(plan);
        if (target == 1)
        {
            Assert.True(plan.CoversWholeInput, plan.Describe());
            Assert.True(plan.ReceptiveField[0] >= length);
        }
    }

    [Theory]
    [InlineData(1000, 10, 5)]
    [InlineData(100, 60, 30)]
    [InlineData(100, 60, 0)]
    [InlineData(100, 60, 59)]
    public void The_reported_receptive_field_matches_the_gradient_support_of_an_output_unit(long length, long target, long unit)
    {
        var options = new ConvStackOptions { BatchNorm = false, Activation = ActivationKind.Tanh };
        using var encoder = new ConvEncoder1d(new long[] { 1, length }, new long[] { 2, target }, options);

        Assert.True(GradientExtent(encoder, new[] { unit })[0] <= encoder.Layout.ReceptiveField[0]);
        Assert.Equal(encoder.Layout.ReceptiveField[0], MaxGradientExtent1d(encoder));
    }

    [Fact]
    public void A_wrong_input_shape_names_the_block_and_both_shapes()
    {
        using var encoder = new ConvEncoder1d(new long[] { 2, 50 }, new long[] { 4, 1 });
        using var x = TorchSharp.torch.zeros(3, 2, 49);

        var e = Assert.Throws<ArgumentException>(() => encoder.call(x));

        Assert.Contains("ConvEncoder1d", e.Message);
        Assert.Contains("[batch, channels, length] = [batch, 2, 50]", e.Message);
        Assert.Contains("[3, 2, 49]", e.Message);
    }

    [Fact]
    public void A_two_dimensional_shape_is_refused_with_its_value()
    {
        var e = Assert.Throws<ArgumentException>(() => ConvEncoder1d.Plan(new long[] { 1, 28, 28 }, new long[] { 8, 1 }));

        Assert.Equal("inputShape", e.ParamName);
        Assert.Contains("(channels, length)", e.Message);
        Assert.Contains("[1, 28, 28]", e.Message);
    }
}
