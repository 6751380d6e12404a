using static TorchSharp.torch;

namespace Graft.Pool.Ranking;

/// <summary>
/// Re-estimates every batch-norm layer's running mean and variance on a sample of the target's inputs. A fresh model's
/// statistics (mean 0, variance 1) and those transferred from another architecture do not describe the activations the
/// model really produces, so in evaluation mode its features — and a head fitted on them — are far off; with measured
/// statistics they are what training would see.
/// </summary>
public static class BatchNormCalibration
{
    /// <summary>
    /// Runs <paramref name="x"/> through <paramref name="model"/> (training mode, no gradients, so each batch norm
    /// normalises by its batch and the next layer sees calibrated activations) and sets each batch norm's running
    /// statistics to the mean and unbiased variance of everything it received. Weights are untouched; the model's mode is
    /// restored. Returns how many layers were calibrated.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="x">Inputs, samples along the first dimension (at least 2).</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    public static int Recalibrate(nn.Module<Tensor, Tensor> model, Tensor x, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (x.shape[0] < 2) return 0;
        var layers = new List<Accumulator>();
        foreach (var (_, module) in model.named_modules())
        {
            var buffers = module.named_buffers(recurse: false).ToDictionary(b => b.name, b => b.buffer, StringComparer.Ordinal);
            if (module is nn.Module<Tensor, Tensor> layer && buffers.TryGetValue("running_mean", out var mean) && buffers.TryGetValue("running_var", out var variance))
                layers.Add(new Accumulator(layer, mean, variance));
        }

        if (layers.Count == 0) return 0;
        bool training = model.training;
        try
        {
            foreach (var layer in layers) layer.Hook();
            model.train();
            using var _ = no_grad();
            for (long start = 0; start < x.shape[0]; start += batchSize)
            {
                long size = Math.Min(batchSize, x.shape[0] - start);
                if (size < 2) break;   // one sample has no variance to normalise by
                using var scope = NewDisposeScope();
                model.call(x.narrow(0, start, size));
            }

            foreach (var layer in layers) layer.Store();
        }
        finally
        {
            foreach (var layer in layers) layer.Dispose();
            model.train(training);
        }

        return layers.Count;
    }

    /// <summary>Sums one batch norm's inputs per channel (dimension 1) in float64.</summary>
    private sealed class Accumulator(nn.Module<Tensor, Tensor> layer, Tensor runningMean, Tensor runningVariance) : IDisposable
    {
        private Action? remove;
        private Tensor? sum;
        private Tensor? squares;
        private long count;

        public void Hook()
        {
            var remover = layer.register_forward_pre_hook((_, input) =>
        {
            using var scope = NewDisposeScope();
            // Per-channel mean and variance of the batch, computed in place by the kernels (no copy of the input);
            // sums over batches accumulate in float64: n·mean and n·(variance + mean²).
            var x = input.detach();
            var dims = Enumerable.Range(0, (int)x.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
            long n = x.numel() / Math.Max(1, x.shape[1]);
            var batchMean = x.mean(dims).to_type(ScalarType.Float64);
            var batchVariance = x.var(dims, unbiased: false).to_type(ScalarType.Float64);
            var s = batchMean * n;
            var q = (batchVariance + batchMean.square()) * n;
            sum = sum is null ? s.DetachFromDisposeScope() : sum.add_(s);
            squares = squares is null ? q.DetachFromDisposeScope() : squares.add_(q);
            count += n;
            return input;
        });
            remove = remover.remove;
        }

        public void Store()
        {
            if (sum is null || squares is null || count < 2 || sum.shape[0] != runningMean.shape[0]) return;
            using var scope = NewDisposeScope();
            var mean = sum / count;
            var variance = (squares / count - mean.square()).clamp_min(0) * (count / (double)(count - 1));
            using var _ = no_grad();
            runningMean.copy_(mean.to_type(runningMean.dtype));
            runningVariance.copy_(variance.to_type(runningVariance.dtype));
        }

        public void Dispose()
        {
            remove?.Invoke();
            sum?.Dispose();
            squares?.Dispose();
        }
    }
}
