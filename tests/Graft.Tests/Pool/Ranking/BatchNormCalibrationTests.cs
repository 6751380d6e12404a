using Graft.Pool.Ranking;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Pool.Ranking;

public class BatchNormCalibrationTests
{
    [Fact]
    public void Recalibration_sets_each_batch_norm_to_the_mean_and_variance_of_what_it_receives_and_restores_the_mode()
    {
        var generator = new Generator(7);
        var conv = nn.Conv2d(1, 3, 3);
        var model = nn.Sequential(("conv", conv), ("bn", nn.BatchNorm2d(3)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("head", nn.Linear(3 * 6 * 6, 2)));
        model.eval();
        using var x = randn(300, 1, 8, 8, generator: generator) * 3 + 1;

        int layers = BatchNormCalibration.Recalibrate(model, x, batchSize: 64);

        Assert.Equal(1, layers);
        Assert.False(model.training);
        using var _ = no_grad();
        using var activations = conv.call(x).transpose(0, 1).flatten(1);
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Assert.True(allclose(buffers["bn.running_mean"], activations.mean([1]), rtol: 1e-4, atol: 1e-4));
        Assert.True(allclose(buffers["bn.running_var"], activations.var(1), rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void A_model_without_batch_norm_is_left_alone()
    {
        var model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2));
        using var x = randn(20, 4);
        Assert.Equal(0, BatchNormCalibration.Recalibrate(model, x));
    }
}
