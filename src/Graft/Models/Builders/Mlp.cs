using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Graft.Models.Builders;

/// <summary>A multi-layer perceptron: hidden linear layers with ReLU (and optional dropout), then the output layer. Inputs are flattened.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    /// <summary>Creates the network.</summary>
    /// <param name="inputs">Number of input features (after flattening).</param>
    /// <param name="outputs">Number of outputs (classes, or values to regress).</param>
    /// <param name="hidden">Units of each hidden layer, in order.</param>
    /// <param name="dropout">Dropout after each hidden layer.</param>
    public Mlp(long inputs, long outputs, IReadOnlyList<int>? hidden = null, double dropout = 0)
        : base(nameof(Mlp))
    {
        if (inputs < 1 || outputs < 1) throw new ArgumentException($"inputs and outputs must be at least 1; they are {inputs} and {outputs}.");
        if (dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1); it is {dropout}.");
        hidden ??= new[] { 64 };
        var modules = new List<Module<Tensor, Tensor>> { Flatten() };
        long previous = inputs;
        foreach (var h in hidden)
        {
            if (h < 1) throw new ArgumentException($"hidden layer sizes must be at least 1; one is {h}.");
            modules.Add(Linear(previous, h));
            modules.Add(ReLU());
            if (dropout > 0) modules.Add(Dropout(dropout));
            previous = h;
        }

        modules.Add(Linear(previous, outputs));
        layers = Sequential(modules);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => layers.call(input);
}
