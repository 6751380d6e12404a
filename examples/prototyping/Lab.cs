using System.Diagnostics;
using Graft.Models.Builders;
using Graft.Pool;
using Graft.Training;
using Graft.Training.Callbacks;
using Graft.Training.Optimizers;
using Graft.Training.Shortcuts;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Examples.Prototyping;

/// <summary>How a training ended: test accuracy, epochs (in quarters of an epoch) and training time.</summary>
internal sealed record Trained(double Accuracy, double Epochs, double Seconds);

/// <summary>
/// A prototype's training: test accuracy before and after, and when it first passed the previous best (epochs in
/// quarters and training seconds; null if it never did).
/// </summary>
internal sealed record Passing(double Start, double Final, double? Epochs, double? Seconds, double TotalSeconds);

/// <summary>A training curve on the test set: accuracy before training, the best, and every epoch's.</summary>
internal sealed record Curve(double Start, double Best, int BestEpoch, IReadOnlyList<double> Accuracies);

/// <summary>The unseen-classes experiment's outcome.</summary>
internal sealed record UnseenOutcome(long SourceImages, int Labels, long TestImages, string Chosen, Curve Pool, Curve Scratch, int? PoolEpochsToScratchBest);

/// <summary>Trains and measures the prototypes the same way: Adam (learning rate 1e-3), batches of 128, seed 0.</summary>
internal sealed class Lab(Settings settings, Tensor xTrain, Tensor yTrain, Tensor xTest, Tensor yTest)
{
    private static TrainerOptions Options => new(Optimizer: new OptimizerOptions(OptimizerKind.Adam, 1e-3), Progress: ProgressMode.None,
        Checkpoints: false, TensorBoard: false, Curves: false);

    /// <summary>Test accuracy of <paramref name="model"/>.</summary>
    public double Accuracy(nn.Module<Tensor, Tensor> model) => Accuracy(model, xTest, yTest);

    /// <summary>Trains for exactly <paramref name="epochs"/> epochs.</summary>
    public Trained TrainFor(nn.Module<Tensor, Tensor> model, int epochs)
    {
        var watch = Stopwatch.StartNew();
        model.Fit(xTrain, yTrain, epochs: epochs, batchSize: 128, options: Options);
        watch.Stop();
        return new Trained(Accuracy(model), epochs, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Trains for the settings' epochs, measuring the test accuracy every quarter of an epoch, and notes when it first
    /// passes <paramref name="target"/> (reaching it before training counts as 0 epochs).
    /// </summary>
    public Passing TrainPassing(nn.Module<Tensor, Tensor> model, double target)
    {
        double start = Accuracy(model);
        var probe = new TestProbe(model, xTest, yTest, target, start >= target);
        var wall = Stopwatch.StartNew();
        model.Fit(xTrain, yTrain, epochs: settings.Epochs, batchSize: 128, options: Options, callbacks: [probe]);
        Console.WriteLine($"  {model.GetName()}: {probe.TrainingSeconds:F1} s of training ({wall.Elapsed.TotalSeconds:F1} s with the measuring); test accuracy before training {start:F4}, " +
                          $"then per quarter epoch {string.Join(", ", probe.Accuracies.Select(a => a.ToString("F4")))}");
        return new Passing(start, probe.Accuracies[^1], probe.Passed?.Epochs, probe.Passed?.Seconds, probe.TrainingSeconds);
    }

    /// <summary>
    /// A SmallCnn trained on classes 0-4 is the only entry of a new pool; a target with 100 labels per class of classes
    /// 5-9 starts from it and from scratch, each trained for the settings' unseen epochs.
    /// </summary>
    public UnseenOutcome UnseenClasses(string poolDirectory, Tensor x, Tensor y)
    {
        if (Directory.Exists(poolDirectory)) Directory.Delete(poolDirectory, recursive: true);
        using var pool = new PretrainingPool(poolDirectory);
        using var seen = y.lt(5).nonzero().squeeze(1);
        using var xSeen = x.index_select(0, seen);
        using var ySeen = y.index_select(0, seen);
        var split = PretrainingPool.Split(xSeen.shape[0]);
        using (var index = tensor(split.Train))
        using (var xs = xSeen.index_select(0, index))
        using (var ys = ySeen.index_select(0, index))
        {
            manual_seed(5);
            var source = new SmallCnn(width: 16, hidden: 64, classes: 5);
            source.Fit(xs, ys, epochs: settings.FirstEpochs, batchSize: 128, options: Options);
            pool.AddModel(source, xSeen, ySeen, "classes-0-4", new AddModelOptions { Builder = "small_cnn", BuilderArgs = new Dictionary<string, object> { ["width"] = 16, ["hidden"] = 64 } });
        }

        // 100 labels per unseen class, taken from the training images the source never saw.
        var picked = new List<long>();
        var labels = yTrain.data<long>().ToArray();
        for (long c = 5; c < 10; c++) picked.AddRange(Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(100).Select(i => (long)i));
        using var pick = tensor(picked.ToArray());
        using var xTarget = xTrain.index_select(0, pick);
        using var yTarget = yTrain.index_select(0, pick) - 5;
        using var testPick = yTest.ge(5).nonzero().squeeze(1);
        using var xt = xTest.index_select(0, testPick);
        using var yt = yTest.index_select(0, testPick) - 5;

        manual_seed(6);
        var fromPool = pool.GetPretrainedModel(new SmallCnn(width: 16, hidden: 64, classes: 5), xTarget, yTarget, out var report,
            new PretrainOptions { PlannedEpochs = settings.UnseenEpochs, PlannedBatchSize = 32 });
        var poolCurve = Curve(fromPool, xTarget, yTarget, xt, yt);
        manual_seed(6);
        var scratchCurve = Curve(new SmallCnn(width: 16, hidden: 64, classes: 5), xTarget, yTarget, xt, yt);
        int? reach = null;
        for (int e = 0; e < poolCurve.Accuracies.Count; e++)
            if (poolCurve.Accuracies[e] >= scratchCurve.Best) { reach = e; break; }
        return new UnseenOutcome(xSeen.shape[0], picked.Count, xt.shape[0], report.Chosen, poolCurve, scratchCurve, reach);
    }

    private Curve Curve(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor xt, Tensor yt)
    {
        var probe = new CurveProbe(model, xt, yt);
        double start = Accuracy(model, xt, yt);
        model.Fit(x, y, epochs: settings.UnseenEpochs, batchSize: 32, options: Options, callbacks: [probe]);
        var all = new[] { start }.Concat(probe.Accuracies).ToList();
        int bestEpoch = all.IndexOf(all.Max());
        return new Curve(start, all[bestEpoch], bestEpoch, all);
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        double accuracy = model.Evaluate(x, y)["accuracy"];
        model.train();
        return accuracy;
    }

    /// <summary>
    /// Measures test accuracy every quarter of an epoch and notes when it first passes a target; the time spent
    /// measuring is left out of the training time.
    /// </summary>
    private sealed class TestProbe(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, double target, bool passedBefore) : ITrainerCallback
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private double _measuring;

        public List<double> Accuracies { get; } = [];

        /// <summary>When the target was first passed: epochs (in quarters) and training seconds; null if never.</summary>
        public (double Epochs, double Seconds)? Passed { get; private set; } = passedBefore ? (0, 0) : null;

        /// <summary>Training time so far, measuring excluded.</summary>
        public double TrainingSeconds => _watch.Elapsed.TotalSeconds - _measuring;

        public void OnBatchEnd(TrainingContext context, int step, double loss)
        {
            int quarter = Math.Max(1, context.BatchesPerEpoch / 4);
            bool last = step + 1 == context.BatchesPerEpoch;
            if (!last && (step + 1) % quarter != 0) return;
            double seconds = TrainingSeconds;
            var started = _watch.Elapsed;
            Accuracies.Add(Accuracy(model, x, y));
            _measuring += (_watch.Elapsed - started).TotalSeconds;
            double epochs = context.Epoch + (last ? 1.0 : Math.Round(4.0 * (step + 1) / context.BatchesPerEpoch) / 4);
            if (Passed is null && Accuracies[^1] > target) Passed = (epochs, seconds);
        }
    }

    /// <summary>Measures test accuracy after every epoch (a curve for the unseen-classes experiment).</summary>
    private sealed class CurveProbe(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) : ITrainerCallback
    {
        public List<double> Accuracies { get; } = [];

        public void OnEpochEnd(TrainingContext context, EpochRecord record) => Accuracies.Add(Accuracy(model, x, y));
    }
}
