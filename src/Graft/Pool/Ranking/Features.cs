using Graft.Pool.Signatures;
using static TorchSharp.torch;

namespace Graft.Pool.Ranking;

/// <summary>The input of a model's head (its last parametrised layer): the penultimate features linear probing and LogME read.</summary>
public static class Features
{
    /// <summary>
    /// The features <paramref name="model"/>'s head receives for <paramref name="x"/> (evaluation mode, no gradients), as
    /// a [samples, features] float64 tensor, or null when the head is not a linear layer reached through <c>call()</c>.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="signature">Its signature (its last layer is the head).</param>
    /// <param name="x">Inputs.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    public static Tensor? Penultimate(nn.Module<Tensor, Tensor> model, ArchitectureSignature signature, Tensor x, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(signature);
        if (Head(model, signature) is not { } head) return null;
        var parts = new List<Tensor>();
        Tensor? captured = null;
        var remover = head.register_forward_pre_hook((_, input) =>
        {
            captured = input.detach().to_type(ScalarType.Float64).flatten(1).clone().DetachFromDisposeScope();
            return input;
        });
        bool training = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            for (long start = 0; start < x.shape[0]; start += batchSize)
            {
                using (var scope = NewDisposeScope())
                    model.call(x.narrow(0, start, Math.Min(batchSize, x.shape[0] - start)));
                if (captured is null) return null;
                parts.Add(captured);
                captured = null;
            }

            return cat(parts, 0);
        }
        finally
        {
            remover.remove();
            model.train(training);
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>The model's head: its last parametrised layer, when it is a linear layer.</summary>
    public static TorchSharp.Modules.Linear? Head(nn.Module model, ArchitectureSignature signature)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.Layers.Count == 0) return null;
        var path = signature.Layers[^1].Path;
        if (path.Length == 0) return model as TorchSharp.Modules.Linear;
        return model.named_modules().FirstOrDefault(m => m.name == path).module as TorchSharp.Modules.Linear;
    }
}
