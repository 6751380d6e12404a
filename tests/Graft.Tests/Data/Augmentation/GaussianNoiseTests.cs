using Graft.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Augmentation;

public class GaussianNoiseTests
{
    [Fact]
    public void Unclamped_noise_has_mean_zero_and_the_given_standard_deviation()
    {
        using var images = torch.full([4, 1, 100, 100], 0.5f);
        using var g = new Generator(9, torch.CPU);

        using var result = new GaussianNoise(0.1, clamp01: false).Apply(images, g);
        using var noise = result - images;

        Assert.InRange(noise.mean().item<float>(), -0.003f, 0.003f);
        Assert.InRange(noise.std().item<float>(), 0.097f, 0.103f);
        Assert.True(result.max().item<float>() > 0.8f);
    }

    [Fact]
    public void Clamped_noise_stays_within_zero_and_one()
    {
        using var images = torch.full([2, 3, 20, 20], 0.5f);
        using var g = new Generator(2, torch.CPU);

        using var result = new GaussianNoise(1.0).Apply(images, g);

        Assert.Equal(0f, result.min().item<float>());
        Assert.Equal(1f, result.max().item<float>());
    }

    [Fact]
    public void Zero_noise_returns_the_input_values()
    {
        using var images = torch.rand([2, 1, 3, 3]);
        using var g = new Generator(2, torch.CPU);

        using var result = new GaussianNoise(0).Apply(images, g);

        Assert.Equal(images.data<float>().ToArray(), result.data<float>().ToArray());
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Equal("stdDev", Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(-0.1)).ParamName);
        Assert.Equal("stdDev", Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(double.PositiveInfinity)).ParamName);
        using var g = new Generator(2, torch.CPU);
        using var ints = torch.zeros([2, 1, 2, 2], ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => new GaussianNoise(0.1).Apply(ints, g));
        Assert.Contains("floating-point", error.Message);
        Assert.Equal("batch", error.ParamName);
    }
}
