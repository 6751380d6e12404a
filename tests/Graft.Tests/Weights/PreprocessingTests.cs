using Graft.Weights;
using static TorchSharp.torch;

namespace Graft.Tests.Weights;

public class PreprocessingTests
{
    [Fact]
    public void Normalisation_is_per_channel_for_images_and_the_input_is_left_alone()
    {
        var x = ones(2, 3, 4, 4);
        var pre = new Preprocessing { Mean = [0.5, 1.0, 0.0], Std = [0.5, 2.0, 4.0] };
        var y = pre.Apply(x);
        Assert.Equal([2L, 3L, 4L, 4L], y.shape);
        Assert.Equal(1f, y[0, 0, 0, 0].item<float>());
        Assert.Equal(0f, y[1, 1, 3, 3].item<float>());
        Assert.Equal(0.25f, y[0, 2, 1, 2].item<float>());
        Assert.Equal(1f, x[0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void Images_are_resized_scaled_and_reordered_and_single_images_keep_their_rank()
    {
        var image = zeros(3, 8, 8);
        image[0] = full(8, 8, 255f);
        var pre = new Preprocessing { Resize = [4, 4], Scale = 1 / 255.0, ChannelOrder = ChannelOrder.Bgr };
        var y = pre.Apply(image, ChannelOrder.Rgb);
        Assert.Equal([3L, 4L, 4L], y.shape);
        Assert.Equal(0f, y[0].sum().item<float>());
        Assert.Equal(1f, y[2, 1, 1].item<float>(), 5);
    }

    [Fact]
    public void Tables_are_normalised_per_feature_and_a_size_mismatch_is_refused()
    {
        var table = tensor(new float[,] { { 1, 10 }, { 3, 30 } });
        var y = new Preprocessing { Mean = [2, 20], Std = [1, 10] }.Apply(table);
        Assert.Equal([-1f, -1f, 1f, 1f], y.data<float>().ToArray());
        var e = Assert.Throws<ArgumentException>(() => new Preprocessing { Mean = [1, 2, 3], Std = [1, 1, 1] }.Apply(table));
        Assert.Contains("3 means", e.Message);
    }

    [Fact]
    public void None_returns_a_copy_and_describes_itself()
    {
        var x = ones(2, 2);
        var y = Preprocessing.None.Apply(x);
        y.add_(1);
        Assert.Equal(1f, x[0, 0].item<float>());
        Assert.Equal("none", Preprocessing.None.ToString());
        Assert.Equal("resize 28x28, normalise mean [0.5] std [0.25]", new Preprocessing { Resize = [28, 28], Mean = [0.5], Std = [0.25] }.ToString());
    }
}
