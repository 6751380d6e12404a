namespace Graft.Bench.Studies.RankingQuality;

/// <summary>A model of the pool: architecture, the classes it learnt and how long.</summary>
/// <param name="Name">The pool entry's name.</param>
/// <param name="Builder">The catalog builder.</param>
/// <param name="Args">The builder's arguments.</param>
/// <param name="Classes">The Fashion-MNIST classes it is trained on.</param>
/// <param name="Samples">Samples of those classes (a fifth held out by the pool's split).</param>
/// <param name="Epochs">Training epochs.</param>
internal sealed record PoolModelSpec(string Name, string Builder, IReadOnlyDictionary<string, string> Args, int[] Classes, int Samples, int Epochs);

/// <summary>A target task: its classes, how much data it has, and the architecture that learns it.</summary>
/// <param name="Name">A short name.</param>
/// <param name="Builder">The catalog builder of the target model.</param>
/// <param name="Args">The builder's arguments.</param>
/// <param name="Classes">The Fashion-MNIST classes of the task.</param>
/// <param name="Samples">Training samples of the task.</param>
internal sealed record TargetSpec(string Name, string Builder, IReadOnlyDictionary<string, string> Args, int[] Classes, int Samples);

/// <summary>The sizes of one run of the study: the full workload or the tiny one of <c>--quick</c>.</summary>
internal sealed record RankingWorkload(
    IReadOnlyList<PoolModelSpec> Pool,
    IReadOnlyList<TargetSpec> Targets,
    int FineTuneEpochs,
    int BatchSize,
    double LearningRate,
    IReadOnlyList<long> Seeds,
    int TestSamples,
    long PoolRangeEnd,
    bool Quick)
{
    /// <summary>Pool models draw their samples from training indices [0, PoolRangeEnd); targets from [PoolRangeEnd, 60000).</summary>
    public const long FullPoolRangeEnd = 48_000;

    /// <summary>The seed every pool model is trained with.</summary>
    public const long PoolSeed = 7;

    // Convolution widths are multiples of 16: with 8, 12 or 24 channels this libtorch build (2.10, CPU) now and then
    // returns NaN gradients on Fashion-MNIST images (reproduced with a plain TorchSharp Sequential), which ruins a run.
    private static readonly int[] All = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    private static Dictionary<string, string> Args(params (string Name, string Value)[] args) =>
        args.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);

    /// <summary>
    /// Fourteen pool models of four architectures (SmallCnn in four sizes, ResNet-8 in two widths, perceptrons in two),
    /// trained on nine different class subsets, one of them deliberately briefly; five targets with 600 to 1,000
    /// samples on four architectures.
    /// </summary>
    public static RankingWorkload Full { get; } = new(
        Pool:
        [
            new("cnn32-c0to4", "small_cnn", Args(("width", "32")), [0, 1, 2, 3, 4], 8000, 3),
            new("cnn32-c5to9", "small_cnn", Args(("width", "32")), [5, 6, 7, 8, 9], 8000, 3),
            new("cnn32-tops", "small_cnn", Args(("width", "32")), [0, 2, 4, 6], 8000, 3),
            new("cnn32-brief-all", "small_cnn", Args(("width", "32")), All, 1000, 1),
            new("cnn16-all", "small_cnn", Args(("width", "16"), ("hidden", "64")), All, 12000, 3),
            new("cnn16-odd", "small_cnn", Args(("width", "16"), ("hidden", "64")), [1, 3, 5, 7, 9], 8000, 3),
            new("cnn32x2-even", "small_cnn", Args(("width", "32"), ("depth", "2")), [0, 2, 4, 6, 8], 8000, 2),
            new("cnn48-c1478", "small_cnn", Args(("width", "48")), [1, 4, 7, 8], 6000, 2),
            new("resnet8-all", "resnet8", Args(("width", "16")), All, 12000, 2),
            new("resnet8-c5to9", "resnet8", Args(("width", "16")), [5, 6, 7, 8, 9], 8000, 2),
            new("resnet8w32-c0123", "resnet8", Args(("width", "32")), [0, 1, 2, 3], 6000, 2),
            new("mlp256-all", "mlp", Args(("hidden", "256")), All, 12000, 3),
            new("mlp128-c0to4", "mlp", Args(("hidden", "128")), [0, 1, 2, 3, 4], 8000, 3),
            new("mlp128-shoes", "mlp", Args(("hidden", "128")), [5, 7, 9], 6000, 3),
        ],
        Targets:
        [
            new("all-10", "small_cnn", Args(("width", "32")), All, 1000),
            new("tops-5", "small_cnn", Args(("width", "32")), [0, 2, 3, 4, 6], 1000),
            new("shoes-bags-4", "resnet8", Args(("width", "16")), [5, 7, 8, 9], 600),
            new("mixed-5", "small_cnn", Args(("width", "48"), ("hidden", "64")), [1, 3, 5, 6, 8], 1000),
            new("all-10-mlp", "mlp", Args(("hidden", "128")), All, 1000),
        ],
        FineTuneEpochs: 2,
        BatchSize: 64,
        LearningRate: 1e-3,
        Seeds: [1, 2, 3],
        TestSamples: 3000,
        PoolRangeEnd: FullPoolRangeEnd,
        Quick: false);

    /// <summary>
    /// A smoke test on tiny sizes, well under two minutes on an idle machine: ten of the fourteen pool models (without
    /// the four most expensive convolutional ones) on at most 400 samples for one epoch, four of the five targets (without
    /// the widest CNN) on 200 samples, one fine-tuning epoch, 300 test images. Its figures say nothing about ranking quality.
    /// </summary>
    public static RankingWorkload QuickRun { get; } = Full with
    {
        Pool = Full.Pool.Where(p => p.Name is not ("cnn32x2-even" or "cnn48-c1478" or "resnet8w32-c0123" or "cnn32-tops"))
            .Select(p => p with { Samples = Math.Min(p.Samples, 400), Epochs = 1 }).ToList(),
        Targets = Full.Targets.Where(t => t.Name != "mixed-5").Select(t => t with { Samples = 200 }).ToList(),
        FineTuneEpochs = 1,
        TestSamples = 300,
        Quick = true,
    };
}
