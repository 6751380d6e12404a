using Graft.Data;
using Graft.Data.Batching;
using Graft.Training;
using Graft.Training.Losses;
using Graft.Training.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using TensorDataset = Graft.Data.TensorDataset;
using static TorchSharp.torch;

namespace Graft.Tests.Training;

/// <summary>
/// Trainer tests touch process-wide TorchSharp state (the global random generator that dropout draws from, the thread
/// count, the live-tensor count) and standard error: they run alone, never next to other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainerCollection
{
    public const string Name = "Trainer";
}

/// <summary>A fresh temporary run directory, deleted on dispose.</summary>
internal sealed class RunFolder : IDisposable
{
    public RunFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-trainer-" + Guid.NewGuid().ToString("N"));

    public string Checkpoint(string name) => System.IO.Path.Combine(Path, "checkpoints", name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Tiny generated data, models and plans for trainer tests.</summary>
internal static class TrainerTestKit
{
    /// <summary>Two well separated Gaussian blobs in 2-D: class 1 around (1.5, 1.5), class 0 around (-1.5, -1.5).</summary>
    public static TensorDataset Blobs(int n, long seed, bool flipLabels = false)
    {
        var (x, y) = BlobTensors(n, seed);
        if (flipLabels) y = 1 - y;
        return new TensorDataset().WithFeature("x", x).WithLabel("y", y, LabelKind.Class);
    }

    public static (Tensor X, Tensor Y) BlobTensors(int n, long seed)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed, CPU);
        var y = arange(n, ScalarType.Int64) % 2;
        var sign = (y * 2 - 1).to_type(ScalarType.Float32).unsqueeze(1);
        var x = randn(new long[] { n, 2 }, generator: g) * 0.5f + sign * 1.5f;
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    public static BatchLoader Loader(IDataset data, int batchSize = 16, bool shuffle = true, long seed = 0, int prefetch = 0,
        IReadOnlyList<Graft.Data.Augmentation.FeatureAugmentation>? augmentations = null) =>
        new(data, new BatchLoaderOptions(batchSize, shuffle, seed, Prefetch: prefetch, Augmentations: augmentations));

    /// <summary>Options for a fast, quiet, single-threaded run.</summary>
    public static TrainerOptions Quiet(int epochs, string? runDirectory = null, double lr = 0.05) =>
        new(Epochs: epochs, Threads: 1, Optimizer: new Graft.Training.Optimizers.OptimizerOptions(LearningRate: lr), RunDirectory: runDirectory, Progress: ProgressMode.None);

    /// <summary>A linear classifier whose weights start at zero: it predicts class 0 for everything until trained.</summary>
    public static Linear ZeroLinear(int inputs = 2, int outputs = 2)
    {
        var layer = nn.Linear(inputs, outputs);
        using (no_grad())
        {
            layer.weight!.zero_();
            layer.bias!.zero_();
        }

        return layer;
    }

    /// <summary>A small MLP with dropout, initialised from <paramref name="initSeed"/>.</summary>
    public static Sequential Mlp(long initSeed, double dropout = 0.3, int inputs = 2, int hidden = 16, int outputs = 2)
    {
        manual_seed(initSeed);
        return nn.Sequential(
            ("l1", nn.Linear(inputs, hidden)),
            ("relu", nn.ReLU()),
            ("drop", nn.Dropout(dropout)),
            ("l2", nn.Linear(hidden, outputs)));
    }

    /// <summary>A classification plan over feature <c>x</c> and class label <c>y</c>.</summary>
    public static TrainingPlan ClassifierPlan(nn.Module<Tensor, Tensor> model) =>
        SupervisedPlan.Create(model, "x", new LabelInfo("y", LabelKind.Class, Array.Empty<long>(), new[] { "0", "1" }));

    /// <summary>Copies of every parameter of <paramref name="module"/>, by name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());

    public static bool SameValues(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var same = a.eq(b).all();
        return same.item<bool>();
    }

    public static double RelativeDifference(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-12);

    /// <summary>Cross-entropy accuracy on <paramref name="data"/> through the trainer's own evaluation.</summary>
    public static IReadOnlyDictionary<string, double> EvaluateClassifier(nn.Module<Tensor, Tensor> model, IDataset data) =>
        Trainer.Evaluate(ClassifierPlan(model), Loader(data, batchSize: 64, shuffle: false));

    public static LossFunction CrossEntropy(string output, string label) => (o, b) => MaskedLosses.CrossEntropy(o[output], b[label], b.Mask(label));

    public static Func<IMetric> AccuracyMetric => () => new Accuracy();
}
