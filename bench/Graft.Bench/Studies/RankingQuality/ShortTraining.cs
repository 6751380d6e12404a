using Graft.Data;
using Graft.Data.Splits;
using Graft.Pool;
using Graft.Pool.Ranking;
using static TorchSharp.torch;

namespace Graft.Bench.Studies.RankingQuality;

/// <summary>
/// The one training procedure of the study, for pool models and fine-tuning alike: Adam on cross-entropy, mini-batches
/// in a seeded order that changes every epoch, dropout seeded by the same seed. Deterministic for a seed on one machine.
/// </summary>
internal static class ShortTraining
{
    /// <summary>Names the procedure in training recipes; change it whenever <see cref="Fit"/> changes, so cached models are retrained.</summary>
    public const string Procedure = "graft-bench ShortTraining v2: Adam, cross-entropy, SeededShuffle order per epoch, torch.manual_seed(seed) before the first step, "
                                    + "then batch-norm statistics re-estimated on the training samples";

    /// <summary>
    /// Trains <paramref name="model"/> on all of <paramref name="x"/>, <paramref name="y"/>, then re-estimates its
    /// batch-norm statistics on those samples (after a few dozen steps the running averages still lag the weights, and a
    /// short run would be measured on stale statistics rather than on what it learnt), and leaves it in evaluation mode.
    /// </summary>
    public static void Fit(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int epochs, int batchSize, double learningRate, long seed)
    {
        manual_seed(seed);
        long n = x.shape[0];
        using var optimizer = optim.Adam(model.parameters(), lr: learningRate);
        model.train();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = SeededShuffle.Permutation(n, SeededShuffle.Combine(seed, epoch, 0x5407));
            for (long start = 0; start < n; start += batchSize)
            {
                long size = Math.Min(batchSize, n - start);
                if (size < 2) break;   // batch norm cannot normalise one sample
                using var scope = NewDisposeScope();
                var index = tensor(order[(int)start..(int)(start + size)], ScalarType.Int64);
                var loss = nn.functional.cross_entropy(model.call(x.index_select(0, index)), y.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }

        BatchNormCalibration.Recalibrate(model, x);
        model.eval();
    }

    /// <summary>Trains on the training part of the pool's split of <paramref name="x"/>, <paramref name="y"/> (what <see cref="PretrainingPool.AddModel(nn.Module{Tensor, Tensor}, Tensor, Tensor, string, AddModelOptions?)"/> then measures on is never seen).</summary>
    public static void FitOnPoolSplit(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int epochs, int batchSize, double learningRate, long seed)
    {
        var split = PretrainingPool.Split(x.shape[0]);
        using var index = tensor(split.Train, ScalarType.Int64);
        using var tx = x.index_select(0, index);
        using var ty = y.index_select(0, index);
        Fit(model, tx, ty, epochs, batchSize, learningRate, seed);
    }

    /// <summary>Whether every parameter and buffer of <paramref name="model"/> is finite (a diverged run is not).</summary>
    public static bool IsFinite(nn.Module model)
    {
        using var scope = NewDisposeScope();
        return model.state_dict().Values.All(t => !t.is_floating_point() || isfinite(t).all().item<bool>());
    }

    /// <summary>The accuracy of <paramref name="model"/> on <paramref name="x"/>, <paramref name="y"/> (evaluation mode, no gradients).</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) => HeldOutScore.Measure(model, x, y, LabelKind.Class).Score;
}
