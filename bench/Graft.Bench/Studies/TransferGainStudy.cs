using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Data.Catalog;
using Graft.Models.Builders;
using Graft.Pool;
using Graft.Training;
using Graft.Training.Callbacks;
using Graft.Training.Optimizers;
using Graft.Training.Shortcuts;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Bench.Studies;

/// <summary>
/// What starting from the pool gains over starting from scratch, same architecture and training, on Fashion-MNIST:
/// (a) the prototyping sequence — a small perceptron trained and added, then a wider and deeper perceptron and a CNN
/// (another family) each initialised by the pool — and (b) low-data targets on classes the pool never saw. Scratch always trains to
/// convergence (early stopping on a held-out slice), never cut short at the pool's epoch count.
/// </summary>
internal sealed class TransferGainStudy : IStudy
{
    private const int ThreadCount = 2;
    private static readonly long[] FullSeeds = [1, 2, 3];

    /// <summary>
    /// The full study's training images (the first of Fashion-MNIST's 60,000): three seeds of six models trained to
    /// convergence, each measured every quarter epoch until it passes, fit the suite's 90 minutes on 2 cores only on a
    /// subset.
    /// </summary>
    private const long FullTrainImages = 10_000;

    /// <summary>
    /// The full study's test images (the first of Fashion-MNIST's 10,000): every accuracy is measured on them, up to
    /// four times an epoch, which on all 10,000 cost as much as the training itself.
    /// </summary>
    private const long FullTestImages = 2_000;

    public string Name => "transfer-gain";

    public string Title => "Transfer gain: starting from the pool vs from scratch, same architecture and training";

    public int Threads => ThreadCount;

    /// <summary>The study's sizes: full, or tiny for <c>--quick</c>.</summary>
    private sealed record Sizes(long? TrainImages, long? TestImages, int FirstEpochs, int MaxEpochs, int Patience, int[] LowDataLabels, int LowDataEpochs, long[] Seeds);

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        torch.set_num_threads(ThreadCount);
        var sizes = options.Quick
            ? new Sizes(options.Samples(2000), 1000, 1, 2, 1, [100, 400], 3, [1])
            : new Sizes(options.Limit ?? FullTrainImages, FullTestImages, 3, 8, 2, [500, 2000], 20, FullSeeds);
        log.WriteLine($"[{Name}] loading Fashion-MNIST...");
        using var train = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = sizes.TrainImages });
        using var test = FashionMnist.Load(FashionMnistSplit.Test, new FashionMnistOptions { Limit = sizes.TestImages });
        var data = new Data(train.Feature("image"), train.Label("label").Values, test.Feature("image"), test.Label("label").Values);

        var sequences = new List<Sequence>();
        var lowData = new List<LowData>();
        foreach (long seed in sizes.Seeds)
        {
            sequences.Add(Prototyping(data, sizes, seed, log));
            foreach (int labels in sizes.LowDataLabels) lowData.Add(Unseen(data, sizes, labels, seed, log));
        }

        return Summarise(data, sizes, options, sequences, lowData);
    }

    // ---------------------------------------------------------------- (a) the prototyping sequence

    private static readonly (string Name, string Builder, Func<nn.Module<Tensor, Tensor>> Build, Dictionary<string, object> Args)[] Prototypes =
    [
        ("MLP 64", "mlp", () => new Mlp(28 * 28, 10, [64]), new() { ["hidden"] = new[] { 64 } }),
        ("MLP 256-256 (wider, deeper)", "mlp", () => new Mlp(28 * 28, 10, [256, 256]), new() { ["hidden"] = new[] { 256, 256 } }),
        ("SmallCnn w16 h64 depth 2 (another family)", "small_cnn", () => new SmallCnn(width: 16, hidden: 64, depth: 2), new() { ["width"] = 16, ["hidden"] = 64, ["depth"] = 2 }),
    ];

    private Sequence Prototyping(Data data, Sizes sizes, long seed, TextWriter log)
    {
        var directory = Directory.CreateTempSubdirectory("graft-bench-transfer-").FullName;
        try
        {
            using var pool = new PretrainingPool(directory);
            var (xTrain, yTrain, xHeld, yHeld) = data.PoolSplit();
            manual_seed(seed);
            var first = Prototypes[0].Build();
            var watch = Stopwatch.StartNew();
            first.Fit(xTrain, yTrain, epochs: sizes.FirstEpochs, batchSize: 128, options: TrainOptions, seed: seed);
            double best = Accuracy(first, data.XTest, data.YTest);
            pool.AddModel(first, data.X, data.Y, "prototype-1", new AddModelOptions { Builder = Prototypes[0].Builder, BuilderArgs = Prototypes[0].Args });
            log.WriteLine($"[{Name}] seed {seed}: prototype 1 ({Prototypes[0].Name}) {sizes.FirstEpochs} epoch(s): test accuracy {best:F4} ({watch.Elapsed.TotalSeconds:F0} s)");

            var steps = new List<PrototypeStep>();
            for (int p = 1; p < Prototypes.Length; p++)
            {
                var (name, builder, build, args) = Prototypes[p];
                manual_seed(seed * 100 + p);
                var initWatch = Stopwatch.StartNew();
                // The pool may take a tenth of the training planned (at most the maximum epochs), as run files do.
                var pooled = pool.GetPretrainedModel(build(), data.X, data.Y, out var report, new PretrainOptions { PlannedEpochs = sizes.MaxEpochs });
                double initSeconds = initWatch.Elapsed.TotalSeconds;
                var fromPool = Curve(pooled, xTrain, yTrain, xHeld, yHeld, data, sizes.MaxEpochs, sizes.Patience, passing: best, seed);
                manual_seed(seed * 100 + p);
                var fromScratch = Curve(build(), xTrain, yTrain, xHeld, yHeld, data, sizes.MaxEpochs, sizes.Patience, passing: best, seed);
                var step = new PrototypeStep(p + 1, name, best, report.Chosen, initSeconds, fromPool, fromScratch);
                steps.Add(step);
                log.WriteLine($"[{Name}] seed {seed}: prototype {p + 1} ({name}) from {report.Chosen}: before training {fromPool.Start:F4} vs scratch {fromScratch.Start:F4}; " +
                              $"passes {best:F4} after {Show(fromPool.EpochsToPass)} epoch(s) ({Show(fromPool.SecondsToPass)} s) vs {Show(fromScratch.EpochsToPass)} ({Show(fromScratch.SecondsToPass)} s); " +
                              $"best {fromPool.Best:F4} vs {fromScratch.Best:F4} (scratch stopped after {fromScratch.Accuracies.Count - 1} epochs)");
                pool.AddModel(pooled, data.X, data.Y, $"prototype-{p + 1}", new AddModelOptions { Builder = builder, BuilderArgs = args });
                best = Math.Max(best, fromPool.Best);
                pooled.Dispose();
            }

            return new Sequence(seed, steps);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    // ---------------------------------------------------------------- (b) low data, unseen classes

    private LowData Unseen(Data data, Sizes sizes, int labels, long seed, TextWriter log)
    {
        var directory = Directory.CreateTempSubdirectory("graft-bench-unseen-").FullName;
        try
        {
            using var pool = new PretrainingPool(directory);
            using var seen = data.Y.lt(5).nonzero().squeeze(1);
            using var xSeen = data.X.index_select(0, seen);
            using var ySeen = data.Y.index_select(0, seen);
            var split = PretrainingPool.Split(xSeen.shape[0]);
            using (var index = tensor(split.Train))
            using (var xs = xSeen.index_select(0, index))
            using (var ys = ySeen.index_select(0, index))
            {
                manual_seed(seed);
                var source = new SmallCnn(width: 16, hidden: 64, classes: 5);
                source.Fit(xs, ys, epochs: sizes.FirstEpochs, batchSize: 128, options: TrainOptions, seed: seed);
                pool.AddModel(source, xSeen, ySeen, "classes-0-4", new AddModelOptions { Builder = "small_cnn", BuilderArgs = new Dictionary<string, object> { ["width"] = 16, ["hidden"] = 64, ["classes"] = 5 } });
            }

            // The target: `labels` images of classes 5-9 (balanced, drawn with the seed) and as many again for early
            // stopping; tested on every test image of those classes.
            var (xTarget, yTarget, xHeld, yHeld) = data.UnseenTarget(labels, seed);
            using var testPick = data.YTest.ge(5).nonzero().squeeze(1);
            using var xt = data.XTest.index_select(0, testPick);
            using var yt = data.YTest.index_select(0, testPick) - 5;
            var target = new Data(xTarget, yTarget, xt, yt);

            manual_seed(seed + 1000);
            var pooled = pool.GetPretrainedModel(new SmallCnn(width: 16, hidden: 64, classes: 5), xTarget, yTarget, out var report);
            var fromPool = Curve(pooled, xTarget, yTarget, xHeld, yHeld, target, sizes.LowDataEpochs, sizes.LowDataEpochs, passing: 2, seed, batchSize: 32);
            manual_seed(seed + 1000);
            var fromScratch = Curve(new SmallCnn(width: 16, hidden: 64, classes: 5), xTarget, yTarget, xHeld, yHeld, target, sizes.LowDataEpochs, sizes.LowDataEpochs, passing: 2, seed, batchSize: 32);
            int scratchBestEpoch = fromScratch.BestEpoch;
            int? reach = fromPool.Accuracies.Select((a, e) => (a, e)).FirstOrDefault(t => t.a >= fromScratch.Best, (-1, -1)).Item2 is int r and >= 0 ? r : null;
            var outcome = new LowData(labels, seed, report.Chosen, fromPool, fromScratch, reach, scratchBestEpoch);
            log.WriteLine($"[{Name}] seed {seed}: {labels} labels of unseen classes: step 0 {fromPool.Start:F4} (pool) vs {fromScratch.Start:F4}; best {fromPool.Best:F4} vs {fromScratch.Best:F4} " +
                          $"(scratch's best at epoch {scratchBestEpoch} of {sizes.LowDataEpochs}); pool reaches it at epoch {Show(reach)}: fraction {Show(outcome.Fraction)}");
            foreach (var t in new[] { xTarget, yTarget, xHeld, yHeld }) t.Dispose();
            pooled.Dispose();
            return outcome;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    // ---------------------------------------------------------------- training and measuring

    private static TrainerOptions TrainOptions => new(Optimizer: new OptimizerOptions(OptimizerKind.Adam, 1e-3), Progress: ProgressMode.None,
        Checkpoints: false, TensorBoard: false, Curves: false, Threads: ThreadCount);

    /// <summary>
    /// Trains <paramref name="model"/> and records its test accuracy before training and after every epoch, stopping when
    /// the held-out accuracy has not improved for <paramref name="patience"/> epochs (or after <paramref name="maxEpochs"/>).
    /// </summary>
    private static TrainingCurve Curve(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor xHeld, Tensor yHeld, Data data, int maxEpochs, int patience, double passing, long seed, int batchSize = 128)
    {
        double start = Accuracy(model, data.XTest, data.YTest);
        var probe = new EpochProbe(model, xHeld, yHeld, data.XTest, data.YTest, patience, start >= passing ? null : passing);
        model.Fit(x, y, epochs: maxEpochs, batchSize: batchSize, options: TrainOptions, seed: seed, callbacks: [probe]);
        var accuracies = new[] { start }.Concat(probe.Accuracies).ToList();
        var seconds = new[] { 0.0 }.Concat(probe.TrainingSeconds).ToList();
        int bestEpoch = accuracies.IndexOf(accuracies.Max());
        var passed = start >= passing ? (0.0, 0.0) : probe.Passed;
        return new TrainingCurve(accuracies, seconds, passed?.Epochs, passed?.Seconds, bestEpoch, probe.Stopped);
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        double accuracy = model.Evaluate(x, y)["accuracy"];
        model.train();
        return accuracy;
    }

    /// <summary>
    /// After every epoch: test accuracy, cumulative training seconds (measuring excluded), early stopping on held-out
    /// accuracy. Until the test accuracy reaches <paramref name="passing"/> (null: nothing to pass), it is also measured
    /// every quarter of an epoch, so epochs to pass are counted in quarters.
    /// </summary>
    private sealed class EpochProbe(nn.Module<Tensor, Tensor> model, Tensor xHeld, Tensor yHeld, Tensor xTest, Tensor yTest, int patience, double? passing) : ITrainerCallback
    {
        /// <summary>When the test accuracy first reached the target: epochs (in quarters) and training seconds.</summary>
        public (double Epochs, double Seconds)? Passed { get; private set; }

        public void OnBatchEnd(TrainingContext context, int step, double loss)
        {
            if (passing is not { } target || Passed is not null) return;
            int quarter = Math.Max(1, context.BatchesPerEpoch / 4);
            if (step + 1 == context.BatchesPerEpoch || (step + 1) % quarter != 0) return;   // the epoch's end is measured there
            double elapsed = _watch.Elapsed.TotalSeconds;
            double accuracy = Accuracy(model, xTest, yTest);
            _measuring += _watch.Elapsed.TotalSeconds - elapsed;
            if (accuracy >= target) Passed = (context.Epoch + Math.Round(4.0 * (step + 1) / context.BatchesPerEpoch) / 4, elapsed - _measuring);
        }

        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private double _measuring;
        private double _bestHeld = double.NegativeInfinity;
        private int _sinceBest;

        public List<double> Accuracies { get; } = [];

        public List<double> TrainingSeconds { get; } = [];

        public bool Stopped { get; private set; }

        public void OnEpochEnd(TrainingContext context, EpochRecord record)
        {
            double elapsed = _watch.Elapsed.TotalSeconds;
            TrainingSeconds.Add(elapsed - _measuring);
            Accuracies.Add(Accuracy(model, xTest, yTest));
            if (passing is { } target && Passed is null && Accuracies[^1] >= target) Passed = (context.Epoch + 1, elapsed - _measuring);
            double held = Accuracy(model, xHeld, yHeld);
            _measuring += _watch.Elapsed.TotalSeconds - elapsed;
            if (held > _bestHeld)
            {
                _bestHeld = held;
                _sinceBest = 0;
            }
            else if (++_sinceBest >= patience)
            {
                Stopped = true;
                context.RequestStop();
            }
        }
    }

    // ---------------------------------------------------------------- the report

    private StudyOutcome Summarise(Data data, Sizes sizes, BenchOptions options, List<Sequence> sequences, List<LowData> lowData)
    {
        var sequenceRows = new List<IReadOnlyList<string>>();
        foreach (var s in sequences)
            foreach (var p in s.Steps)
                sequenceRows.Add([
                    s.Seed.ToString(CultureInfo.InvariantCulture), $"{p.Prototype}: {p.Name}", F(p.PreviousBest, 4), p.Chosen, F(p.InitSeconds, 1),
                    F(p.Pool.Start, 4), F(p.Scratch.Start, 4), Show(p.Pool.EpochsToPass), Show(p.Pool.SecondsToPass), Show(p.Scratch.EpochsToPass), Show(p.Scratch.SecondsToPass),
                    F(p.Pool.Best, 4), F(p.Scratch.Best, 4), $"{p.Scratch.Accuracies.Count - 1}{(p.Scratch.Stopped ? "" : " (max)")}",
                ]);

        var lowRows = lowData.Select(l => (IReadOnlyList<string>)[
            l.Labels.ToString(CultureInfo.InvariantCulture), l.Seed.ToString(CultureInfo.InvariantCulture), l.Chosen,
            F(l.Pool.Start, 4), F(l.Scratch.Start, 4), F(l.Pool.Best, 4), F(l.Scratch.Best, 4),
            l.ScratchBestEpoch.ToString(CultureInfo.InvariantCulture), Show(l.PoolEpochsToScratchBest), Show(l.Fraction),
        ]).ToList();

        // Per prototype, over seeds: the medians the targets are judged on.
        var summary = new List<NamedValue>();
        var verdicts = new List<bool>();
        var data2 = new JsonObject();
        foreach (int prototype in sequences[0].Steps.Select(p => p.Prototype))
        {
            var steps = sequences.Select(s => s.Steps.Single(p => p.Prototype == prototype)).ToList();
            var gap = steps.Select(p => p.Pool.Start - p.PreviousBest).ToList();
            var poolEpochs = steps.Select(p => (double)(p.Pool.EpochsToPass ?? int.MaxValue)).ToList();
            var scratchEpochs = steps.Select(p => (double)(p.Scratch.EpochsToPass ?? int.MaxValue)).ToList();
            bool sameFamily = prototype == 2;
            summary.Add(new($"prototype {prototype}: before training minus previous best (median, min–max)", $"{Signed(Statistics.Median(gap))} ({Signed(gap.Min())}–{Signed(gap.Max())})"));
            summary.Add(new($"prototype {prototype}: epochs to pass the previous best, pool / scratch (median)", $"{ShowEpochs(Statistics.Median(poolEpochs))} / {ShowEpochs(Statistics.Median(scratchEpochs))}"));
            bool pass = sameFamily
                ? Statistics.Median(poolEpochs) == 0
                : Statistics.Median(poolEpochs) <= 0.5 * Statistics.Median(scratchEpochs);
            verdicts.Add(pass);
            data2[$"prototype_{prototype}"] = new JsonObject
            {
                ["start_minus_previous_best"] = new JsonArray(gap.Select(g => (JsonNode)g).ToArray()),
                ["pool_epochs_to_pass"] = new JsonArray(steps.Select(p => (JsonNode?)p.Pool.EpochsToPass).ToArray()),
                ["scratch_epochs_to_pass"] = new JsonArray(steps.Select(p => (JsonNode?)p.Scratch.EpochsToPass).ToArray()),
                ["pool_seconds_to_pass"] = new JsonArray(steps.Select(p => (JsonNode?)p.Pool.SecondsToPass).ToArray()),
                ["scratch_seconds_to_pass"] = new JsonArray(steps.Select(p => (JsonNode?)p.Scratch.SecondsToPass).ToArray()),
                ["pass"] = pass,
            };
        }

        foreach (int labels in sizes.LowDataLabels)
        {
            var runs = lowData.Where(l => l.Labels == labels).ToList();
            var fractions = runs.Select(l => l.Fraction ?? double.PositiveInfinity).ToList();
            double median = Statistics.Median(fractions);
            summary.Add(new($"{labels} unseen-class labels: step-0 accuracy pool / scratch (median)", $"{F(Statistics.Median(runs.Select(l => l.Pool.Start).ToList()), 4)} / {F(Statistics.Median(runs.Select(l => l.Scratch.Start).ToList()), 4)}"));
            summary.Add(new($"{labels} unseen-class labels: best accuracy pool / scratch (median)", $"{F(Statistics.Median(runs.Select(l => l.Pool.Best).ToList()), 4)} / {F(Statistics.Median(runs.Select(l => l.Scratch.Best).ToList()), 4)}"));
            summary.Add(new($"{labels} unseen-class labels: fraction of scratch's epochs to reach its best (median, min–max)", $"{Show(median)} ({Show(fractions.Min())}–{Show(fractions.Max())})"));
            verdicts.Add(median <= 0.25);
            data2[$"low_data_{labels}"] = new JsonObject { ["fractions"] = new JsonArray(runs.Select(l => (JsonNode?)l.Fraction).ToArray()), ["pass"] = median <= 0.25 };
        }

        string description =
            $"Fashion-MNIST ({data.X.shape[0]:N0} training images, {data.XTest.shape[0]:N0} test images), Adam lr 1e-3, {ThreadCount} threads, seeds {string.Join(", ", sizes.Seeds)}; every model " +
            "trains on the pool's training part of the images (the pool measures entries on the rest), with early stopping on that held-out part " +
            $"(patience {sizes.Patience}, at most {sizes.MaxEpochs} epochs), so scratch trains to convergence and is never cut short. " +
            (data.X.shape[0] < 60_000 && !options.Smoke
                ? $"The first {data.X.shape[0]:N0} of the 60,000 training images and the first {data.XTest.shape[0]:N0} of the 10,000 test images, not all: three seeds of six models " +
                  "trained to convergence and measured up to four times an epoch fit the suite's 90 minutes on 2 cores only so.\n\n"
                : "\n\n") +
            $"- **(a) The prototyping sequence**: prototype 1 ({Prototypes[0].Name}) trains {sizes.FirstEpochs} epoch(s) from scratch and joins a new pool; prototype 2 " +
            $"({Prototypes[1].Name}) and prototype 3 ({Prototypes[2].Name}) each start from the pool (`GetPretrainedModel` with its defaults) and from the same " +
            "fresh initialisation, train the same way, and join the pool. `GetPretrainedModel` may take a tenth of the planned training time, at least 10 s (`MinimumBudget`) " +
            "(`PlannedEpochs` = the maximum epochs); *init s* is the time it took. *Epochs to pass* counts epochs, measured every quarter of an epoch, until the " +
            "test accuracy reaches the best test accuracy of the prototypes before (0: already before training); seconds are training time only.\n" +
            $"- **(b) Low data, unseen classes**: a SmallCnn trained on classes 0–4 is the only pool entry; targets of {string.Join(" and ", sizes.LowDataLabels)} labels of " +
            $"classes 5–9 (batch 32, {sizes.LowDataEpochs} epochs at most, early stopping with patience {sizes.LowDataEpochs}, i.e. none) start from it and from scratch; " +
            "the fraction is the pool's epochs to reach scratch's best test accuracy over scratch's epochs to reach it.";

        var settings = new List<NamedValue>
        {
            new("Training images", $"{data.X.shape[0]:N0}" + (options.Smoke ? " (smoke run)" : "")),
            new("Test images", $"{data.XTest.shape[0]:N0}"),
            new("Seeds", string.Join(", ", sizes.Seeds) + (options.Quick ? " (quick: one seed)" : "")),
            new("Prototype 1 epochs", sizes.FirstEpochs.ToString(CultureInfo.InvariantCulture)),
            new("Maximum epochs / patience", $"{sizes.MaxEpochs} / {sizes.Patience}"),
            new("Low-data labels / epochs", $"{string.Join(", ", sizes.LowDataLabels)} / {sizes.LowDataEpochs}"),
        };

        data2["sequences"] = new JsonArray(sequences.Select(s => (JsonNode)new JsonObject
        {
            ["seed"] = s.Seed,
            ["steps"] = new JsonArray(s.Steps.Select(p => (JsonNode)new JsonObject
            {
                ["prototype"] = p.Prototype, ["name"] = p.Name, ["previous_best"] = p.PreviousBest, ["chosen"] = p.Chosen, ["init_seconds"] = p.InitSeconds,
                ["pool"] = p.Pool.ToJson(), ["scratch"] = p.Scratch.ToJson(),
            }).ToArray()),
        }).ToArray());
        data2["low_data"] = new JsonArray(lowData.Select(l => (JsonNode)new JsonObject
        {
            ["labels"] = l.Labels, ["seed"] = l.Seed, ["chosen"] = l.Chosen, ["pool"] = l.Pool.ToJson(), ["scratch"] = l.Scratch.ToJson(),
            ["pool_epochs_to_scratch_best"] = l.PoolEpochsToScratchBest, ["scratch_best_epoch"] = l.ScratchBestEpoch, ["fraction"] = l.Fraction,
        }).ToArray());

        return new StudyOutcome(
            description,
            settings,
            [
                new ResultTable("(a) The prototyping sequence", ["Seed", "Prototype", "Previous best", "Started from", "Init s", "Before training: pool", "Before training: scratch",
                    "Pool: epochs to pass", "Pool: s", "Scratch: epochs to pass", "Scratch: s", "Pool best", "Scratch best", "Scratch epochs"], sequenceRows),
                new ResultTable("(b) Low data, unseen classes", ["Labels", "Seed", "Started from", "Step 0: pool", "Step 0: scratch", "Best: pool", "Best: scratch",
                    "Scratch's best at epoch", "Pool reaches it at epoch", "Fraction"], lowRows),
            ],
            summary,
            "(a) wider/deeper prototype: at the previous best before training (0 epochs); another family: at most half of scratch's epochs to pass it; " +
            "(b) at most 25% of scratch's epochs to reach scratch's best (medians over seeds)",
            verdicts.All(v => v) ? "PASS" : $"FAIL ({verdicts.Count(v => !v)} of {verdicts.Count} targets missed)",
            data2);
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);

    private static string Show(int? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "never";

    private static string Show(double? value) => value is { } v && double.IsFinite(v) ? F(v, v < 10 ? 2 : 0) : "never";

    private static string ShowEpochs(double value) => value >= int.MaxValue ? "never" : F(value, 2);

    // ---------------------------------------------------------------- records

    /// <summary>The data: training images and labels, and the test set.</summary>
    private sealed record Data(Tensor X, Tensor Y, Tensor XTest, Tensor YTest)
    {
        /// <summary>The pool's split of X: its training part and its held-out part.</summary>
        public (Tensor X, Tensor Y, Tensor XHeld, Tensor YHeld) PoolSplit()
        {
            var split = PretrainingPool.Split(X.shape[0]);
            using var train = tensor(split.Train);
            using var held = tensor(split.HeldOut);
            return (X.index_select(0, train), Y.index_select(0, train), X.index_select(0, held), Y.index_select(0, held));
        }

        /// <summary><paramref name="labels"/> images of classes 5-9 (balanced, seeded) relabelled 0-4, and as many again for early stopping.</summary>
        public (Tensor X, Tensor Y, Tensor XHeld, Tensor YHeld) UnseenTarget(int labels, long seed)
        {
            var all = Y.data<long>().ToArray();
            var random = new Random((int)seed);
            var picked = new List<long>();
            var held = new List<long>();
            for (long c = 5; c < 10; c++)
            {
                var ofClass = Enumerable.Range(0, all.Length).Where(i => all[i] == c).OrderBy(_ => random.Next()).Select(i => (long)i).ToList();
                int per = labels / 5;
                picked.AddRange(ofClass.Take(per));
                held.AddRange(ofClass.Skip(per).Take(per));
            }

            using var p = tensor(picked.ToArray());
            using var h = tensor(held.ToArray());
            using var yp = Y.index_select(0, p);
            using var yh = Y.index_select(0, h);
            return (X.index_select(0, p), yp - 5, X.index_select(0, h), yh - 5);
        }
    }

    /// <summary>Test accuracy before training (index 0) and after every epoch, with cumulative training seconds.</summary>
    private sealed record TrainingCurve(IReadOnlyList<double> Accuracies, IReadOnlyList<double> Seconds, double? EpochsToPass, double? SecondsToPass, int BestEpoch, bool Stopped)
    {
        public double Start => Accuracies[0];

        public double Best => Accuracies[BestEpoch];

        public JsonObject ToJson() => new()
        {
            ["test_accuracy"] = new JsonArray(Accuracies.Select(a => (JsonNode)a).ToArray()),
            ["training_seconds"] = new JsonArray(Seconds.Select(s => (JsonNode)s).ToArray()),
            ["epochs_to_pass"] = EpochsToPass,
            ["seconds_to_pass"] = SecondsToPass,
            ["best_epoch"] = BestEpoch,
            ["early_stopped"] = Stopped,
        };
    }

    private sealed record PrototypeStep(int Prototype, string Name, double PreviousBest, string Chosen, double InitSeconds, TrainingCurve Pool, TrainingCurve Scratch);

    private sealed record Sequence(long Seed, IReadOnlyList<PrototypeStep> Steps);

    private sealed record LowData(int Labels, long Seed, string Chosen, TrainingCurve Pool, TrainingCurve Scratch, int? PoolEpochsToScratchBest, int ScratchBestEpoch)
    {
        /// <summary>The pool's epochs to reach scratch's best over scratch's (0 when scratch's best is its start).</summary>
        public double? Fraction => PoolEpochsToScratchBest is { } p ? (ScratchBestEpoch == 0 ? (p == 0 ? 0 : double.PositiveInfinity) : (double)p / ScratchBestEpoch) : null;
    }
}
