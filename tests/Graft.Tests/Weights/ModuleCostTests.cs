using Graft.Weights.Loading;
using static TorchSharp.torch;

namespace Graft.Tests.Weights;

public class ModuleCostTests
{
    [Fact]
    public void Multiply_adds_count_convolutions_and_linear_layers_per_sample()
    {
        // conv 1->4, 3x3, padding 1 on 8x8: 4*8*8 outputs x 9 = 2304; linear 4->3: 12.
        var net = Nets.ConvNet();
        Assert.Equal(2304 + 12, ModuleCost.MultiplyAdds(net, [1, 8, 8]));
        Assert.Equal(4 * 9 + 4 + 4 + 4 + 4 * 3 + 3, ModuleCost.Parameters(net));
        Assert.True(net.training);
    }
}
