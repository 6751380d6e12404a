using Graft.Models.Blocks;

namespace Graft.Tests.Models.Blocks;

public class ConvStackOptionsTests
{
    [Fact]
    public void Defaults_are_batch_norm_relu_kernel_three_no_dropout_no_cap()
    {
        var o = new ConvStackOptions();

        Assert.True(o.BatchNorm);
        Assert.Equal(0, o.Dropout);
        Assert.Equal(ActivationKind.ReLU, o.Activation);
        Assert.Equal(3, o.KernelSize);
        Assert.Null(o.MaxChannels);
        Assert.Null(o.ActivateOutput);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    [InlineData(17)]
    public void An_even_or_out_of_range_kernel_size_is_refused_with_its_value(int kernel)
    {
        var e = Assert.Throws<ArgumentException>(() => new ConvStackOptions { KernelSize = kernel });

        Assert.Equal("KernelSize", e.ParamName);
        Assert.Contains($"it is {kernel}", e.Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_dropout_outside_zero_to_one_is_refused(double dropout)
    {
        var e = Assert.Throws<ArgumentException>(() => new ConvStackOptions { Dropout = dropout });

        Assert.Equal("Dropout", e.ParamName);
    }

    [Fact]
    public void An_undefined_activation_and_a_zero_channel_cap_are_refused()
    {
        var a = Assert.Throws<ArgumentException>(() => new ConvStackOptions { Activation = (ActivationKind)42 });
        var m = Assert.Throws<ArgumentException>(() => new ConvStackOptions { MaxChannels = 0 });

        Assert.Equal("Activation", a.ParamName);
        Assert.Contains("42", a.Message);
        Assert.Equal("MaxChannels", m.ParamName);
    }

    [Fact]
    public void A_channel_cap_below_the_input_channels_keeps_the_schedule_monotone()
    {
        var plan = ConvEncoder.Plan(new long[] { 16, 32, 32 }, new long[] { 64, 1, 1 }, new ConvStackOptions { MaxChannels = 4 });

        Assert.All(plan.Stages.SkipLast(1), s => Assert.Equal(16, s.OutChannels));
        Assert.Equal(64, plan.Stages[^1].OutChannels);
    }
}
