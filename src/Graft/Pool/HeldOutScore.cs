using Graft.Data;
using Graft.Pool.Fingerprints;
using static TorchSharp.torch;

namespace Graft.Pool;

/// <summary>Scores a model on held-out samples: accuracy (classes) or minus the mean squared error (values), with the loss as tie-breaker.</summary>
internal static class HeldOutScore
{
    public static string MetricName(LabelKind kind) => kind == LabelKind.Class ? "accuracy" : "-mse";

    /// <summary>The score (higher is better) and the loss (cross-entropy or MSE) of <paramref name="model"/> on x, y.</summary>
    public static (double Score, double Loss) Measure(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, LabelKind kind, int batchSize = 512)
    {
        bool training = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            long n = x.shape[0];
            double correct = 0, lossSum = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(batchSize, n - start);
                var output = model.call(x.narrow(0, start, length));
                var target = y.narrow(0, start, length);
                if (kind == LabelKind.Class)
                {
                    var labels = target.to_type(ScalarType.Int64).flatten();
                    if (output.dim() != 2 || output.shape[0] != length)
                        throw new PoolException($"the model's output has shape [{string.Join(", ", output.shape)}]; scoring class labels needs [batch, classes].");
                    if (labels.max().item<long>() >= output.shape[1])
                        return (double.NegativeInfinity, double.PositiveInfinity);
                    correct += output.argmax(1).eq(labels).sum().item<long>();
                    lossSum += nn.functional.cross_entropy(output, labels, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
                }
                else
                {
                    var t = target.to_type(output.dtype).reshape(output.shape);
                    lossSum += (output - t).pow(2).sum().to_type(ScalarType.Float64).item<double>() / Math.Max(1, output.numel() / length);
                }
            }

            double loss = lossSum / Math.Max(1, n);
            double score = kind == LabelKind.Class ? correct / Math.Max(1, n) : -loss;
            return (double.IsNaN(score) ? double.NegativeInfinity : score, double.IsNaN(loss) ? double.PositiveInfinity : loss);
        }
        finally
        {
            model.train(training);
        }
    }

    public static LabelKind KindOf(Tensor y) => TaskFingerprint.IsClassLabel(y) ? LabelKind.Class : LabelKind.Value;
}
