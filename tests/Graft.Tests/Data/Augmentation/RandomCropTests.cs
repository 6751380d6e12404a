using Graft.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Augmentation;

public class RandomCropTests
{
    [Fact]
    public void Cropping_the_whole_padded_image_gives_the_hand_padded_input()
    {
        using var image = torch.tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 2, 2]);
        using var g = new Generator(1, torch.CPU);

        using var result = new RandomCrop(4, padding: 1, fill: 9).Apply(image, g);

        float[] expected =
        [
            9, 9, 9, 9,
            9, 1, 2, 9,
            9, 3, 4, 9,
            9, 9, 9, 9,
        ];
        Assert.Equal(new long[] { 1, 1, 4, 4 }, result.shape);
        Assert.Equal(expected, result.data<float>().ToArray());
    }

    [Fact]
    public void Each_sample_is_the_window_at_its_own_random_offset_of_the_padded_image()
    {
        const int b = 32, c = 2, h = 3, w = 4, pad = 2, ch = 3, cw = 2;
        using var images = torch.arange(b * c * h * w, ScalarType.Float32).reshape(b, c, h, w).add_(1);
        using var g = new Generator(42, torch.CPU);

        using var result = new RandomCrop((ch, cw), padding: pad).Apply(images, g);

        // Replay the documented draws: row offsets for all samples, then column offsets.
        using var replay = new Generator(42, torch.CPU);
        using var rowT = torch.randint(h + 2 * pad - ch + 1, [b], ScalarType.Int64, generator: replay);
        using var colT = torch.randint(w + 2 * pad - cw + 1, [b], ScalarType.Int64, generator: replay);
        long[] rows = rowT.data<long>().ToArray(), cols = colT.data<long>().ToArray();
        float[] input = images.data<float>().ToArray(), output = result.data<float>().ToArray();
        Assert.Equal(new long[] { b, c, ch, cw }, result.shape);
        for (int n = 0; n < b; n++)
            for (int k = 0; k < c; k++)
                for (int y = 0; y < ch; y++)
                    for (int x = 0; x < cw; x++)
                    {
                        long sy = rows[n] + y - pad, sx = cols[n] + x - pad;   // position in the unpadded image
                        float expected = sy >= 0 && sy < h && sx >= 0 && sx < w ? input[((n * c + k) * h + sy) * w + sx] : 0f;
                        Assert.Equal(expected, output[((n * c + k) * ch + y) * cw + x]);
                    }

        Assert.True(rows.Distinct().Count() > 1 && cols.Distinct().Count() > 1, "offsets must differ between samples");
    }

    [Fact]
    public void Padding_then_cropping_back_keeps_the_shape_and_shifts_the_content()
    {
        using var images = torch.rand([16, 3, 8, 8]);
        var before = images.data<float>().ToArray();
        using var g = new Generator(3, torch.CPU);

        using var result = new RandomCrop(8, padding: 4).Apply(images, g);

        Assert.Equal(images.shape, result.shape);
        Assert.False(result.eq(images).all().item<bool>());
        Assert.Equal(before, images.data<float>().ToArray());   // the input is left unchanged
    }

    [Fact]
    public void Invalid_arguments_name_the_parameter()
    {
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(0)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop((3, -1))).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(3, padding: -1)).ParamName);
        Assert.Equal("fill", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(3, fill: double.NaN)).ParamName);
    }

    [Fact]
    public void A_crop_larger_than_the_padded_image_or_a_non_image_batch_is_rejected()
    {
        using var g = new Generator(0, torch.CPU);
        using var small = torch.zeros(2, 1, 4, 4);
        var tooBig = Assert.Throws<ArgumentException>(() => new RandomCrop(7, padding: 1).Apply(small, g));
        Assert.Contains("7x7 does not fit in images of 4x4 padded by 1 (6x6)", tooBig.Message);

        using var flat = torch.zeros(2, 16);
        var shape = Assert.Throws<ArgumentException>(() => new RandomCrop(2).Apply(flat, g));
        Assert.Contains("[B, C, H, W]", shape.Message);
        Assert.Contains("[2, 16]", shape.Message);
    }
}
