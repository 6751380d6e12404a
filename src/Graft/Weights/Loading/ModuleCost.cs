using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Weights.Loading;

/// <summary>Measures a module: its parameter count and the multiply-adds of one forward pass.</summary>
public static class ModuleCost
{
    /// <summary>The number of parameter elements of <paramref name="module"/> (buffers excluded).</summary>
    public static long Parameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.parameters().Sum(p => p.numel());
    }

    /// <summary>
    /// Multiply-adds of one forward pass for one sample of <paramref name="inputShape"/>, counted by hooks on every
    /// convolution (output elements times input channels per group times kernel size) and linear layer (output
    /// elements times input features). Other layers (norms, activations, pooling) are not counted.
    /// </summary>
    /// <param name="module">A module from one tensor to one tensor.</param>
    /// <param name="inputShape">One sample's shape, without the batch dimension.</param>
    public static long MultiplyAdds(nn.Module<Tensor, Tensor> module, IReadOnlyList<long> inputShape)
    {
        ArgumentNullException.ThrowIfNull(module);
        long total = 0;
        var handles = new List<nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover>();
        foreach (var (_, child) in module.named_modules())
        {
            if (child is Conv1d or Conv2d or Conv3d or Linear)
            {
                var m = (nn.Module<Tensor, Tensor>)child;
                handles.Add(m.register_forward_hook((mod, input, output) =>
                {
                    var weight = mod.get_parameter("weight");
                    if (weight is not null)
                    {
                        long perOutput = weight.numel() / weight.shape[0];
                        total += output.numel() * perOutput;
                    }

                    return output;
                }));
            }
        }

        bool training = module.training;
        try
        {
            module.eval();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            module.call(zeros([1, .. inputShape]));
        }
        finally
        {
            foreach (var h in handles) h.remove();
            module.train(training);
        }

        return total;
    }
}
