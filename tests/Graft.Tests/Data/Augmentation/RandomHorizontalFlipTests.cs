using Graft.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Augmentation;

public class RandomHorizontalFlipTests
{
    [Fact]
    public void Probability_zero_never_flips_and_one_always_flips()
    {
        using var images = torch.arange(2 * 1 * 2 * 3, ScalarType.Float32).reshape(2, 1, 2, 3);
        using var g = new Generator(5, torch.CPU);

        using var never = new RandomHorizontalFlip(0).Apply(images, g);
        using var always = new RandomHorizontalFlip(1).Apply(images, g);

        Assert.Equal(images.data<float>().ToArray(), never.data<float>().ToArray());
        Assert.Equal(new float[] { 2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9 }, always.data<float>().ToArray());
    }

    [Fact]
    public void Each_sample_is_flipped_when_its_own_draw_is_below_the_probability()
    {
        const int b = 64;
        using var images = torch.rand([b, 2, 3, 4]);
        using var g = new Generator(11, torch.CPU);

        using var result = new RandomHorizontalFlip(0.3).Apply(images, g);

        using var replay = new Generator(11, torch.CPU);
        using var draws = torch.rand([b], ScalarType.Float64, generator: replay);
        var flipped = draws.data<double>().Select(d => d < 0.3).ToArray();
        using var mirrored = images.flip(3);
        for (int n = 0; n < b; n++)
            Assert.True((flipped[n] ? mirrored[n] : images[n]).eq(result[n]).all().item<bool>(), $"sample {n}");
        Assert.InRange(flipped.Count(f => f), 5, 40);
    }

    [Fact]
    public void A_probability_outside_zero_to_one_names_the_parameter()
    {
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(double.NaN)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(-0.1)).ParamName);
    }
}
