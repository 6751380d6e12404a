using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Data.Catalog;
using Graft.Models.Builders;
using Graft.Training;
using Graft.Training.Optimizers;
using Graft.Training.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Bench.Studies;

/// <summary>
/// What Graft's <see cref="Trainer"/> costs over a hand-written TorchSharp loop: one Fashion-MNIST epoch of the same
/// CNN, trained both ways in interleaved pairs, each run on a fresh model with the same seed.
/// </summary>
internal sealed class TrainerOverheadStudy : IStudy
{
    private const int BatchSize = 128;
    private const double LearningRate = 1e-3;
    private const int ThreadCount = 2;
    private const long Seed = 42;
    private const double TargetRatio = 1.03;

    private const string Graft = "graft";
    private const string Plain = "plain";

    public string Name => "trainer-overhead";

    public string Title => "Trainer overhead: Graft's Trainer vs a hand-written TorchSharp loop";

    public int Threads => ThreadCount;

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        torch.set_num_threads(ThreadCount);
        long? limit = options.Samples(quick: 2048);
        log.WriteLine($"[{Name}] loading Fashion-MNIST (train{(limit is { } l ? $", first {l} samples" : "")})...");
        using var data = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = limit });
        long samples = data.Count;
        long parameters;
        using (var probe = NewModel()) parameters = probe.parameters().Sum(p => p.numel());

        var checkpointFailure = ProbeCheckpoints(data);
        bool checkpoints = checkpointFailure is null;
        if (!checkpoints)
            log.WriteLine($"[{Name}] warning: the Trainer cannot write checkpoints here ({checkpointFailure}); graft runs without checkpoints.");

        using var pytorch = PyTorchLeg.Find(Reporting.ResultStore.Locate().RepositoryRoot, out string pytorchMissing);
        if (pytorch is null) log.WriteLine($"[{Name}] the PyTorch leg is skipped: {pytorchMissing}.");
        else
        {
            log.WriteLine($"[{Name}] PyTorch {pytorch.Version} under {PyTorchLeg.Interpreter}: writing the training tensors for it...");
            pytorch.Prepare(data.Feature("image"), data.Label("label").Values);
        }

        log.WriteLine($"[{Name}] {samples} samples, batch {BatchSize}, {ThreadCount} threads; warm-up (not counted)...");
        var warmGraft = RunGraft(data, checkpoints);
        var warmPlain = RunPlain(data);
        var warmPyTorch = pytorch is null ? null : RunPyTorch(pytorch);
        log.WriteLine($"[{Name}] warm-up: graft {warmGraft.Seconds:0.00} s, plain {warmPlain.Seconds:0.00} s{(warmPyTorch is null ? "" : $", pytorch {warmPyTorch.Seconds:0.00} s")}; CPU {warmGraft.CpuSeconds:0.0} / {warmPlain.CpuSeconds:0.0} s, load {warmGraft.Load:0.0} / {warmPlain.Load:0.0}");

        var pairs = new List<PairMeasurement>();
        for (int pair = 0; pair < options.Pairs; pair++)
        {
            // Alternate which side goes first, so a drift in machine load falls on both sides alike.
            // PyTorch runs last after graft-first pairs and first after plain-first ones.
            bool graftFirst = pair % 2 == 0;
            RunMeasurement graft, plain;
            RunMeasurement? torchRun = null;
            if (graftFirst)
            {
                graft = RunGraft(data, checkpoints);
                plain = RunPlain(data);
                if (pytorch is not null) torchRun = RunPyTorch(pytorch);
            }
            else
            {
                if (pytorch is not null) torchRun = RunPyTorch(pytorch);
                plain = RunPlain(data);
                graft = RunGraft(data, checkpoints);
            }

            var measured = new PairMeasurement(pair + 1, graftFirst, graft, plain, torchRun);
            pairs.Add(measured);
            log.WriteLine($"[{Name}] pair {pair + 1}/{options.Pairs} ({(graftFirst ? "graft first" : "plain first")}): " +
                          $"graft {graft.Seconds:0.00} s, plain {plain.Seconds:0.00} s, ratio {measured.Ratio:0.000}" +
                          (torchRun is null ? "; " : $", pytorch {torchRun.Seconds:0.00} s, graft/pytorch {measured.PyTorchRatio:0.000}; ") +
                          $"CPU {graft.CpuSeconds:0.0} / {plain.CpuSeconds:0.0} s, load {graft.Load:0.0} / {plain.Load:0.0}");
        }

        return Summarise(samples, parameters, options, checkpointFailure, warmGraft, warmPlain, pairs, pytorch?.Version, pytorchMissing);
    }

    private static SmallCnn NewModel()
    {
        torch.manual_seed(Seed);
        return new SmallCnn();
    }

    /// <summary>
    /// Trains one short epoch (two batches) with checkpoints on, to learn whether the Trainer can write them here.
    /// Returns null when it can, else the failure: the study then measures the Trainer without checkpoints and says so.
    /// </summary>
    private static string? ProbeCheckpoints(TensorDataset data)
    {
        var runDirectory = Directory.CreateTempSubdirectory("graft-bench-probe-").FullName;
        try
        {
            using var model = NewModel();
            var plan = SupervisedPlan.Create(model, "image", data.Schema.Label("label"));
            var trainer = new Trainer(new TrainerOptions(Epochs: 1, Seed: Seed, Threads: ThreadCount, RunDirectory: runDirectory, Progress: ProgressMode.None, TensorBoard: false, Curves: false));
            var first = Enumerable.Range(0, (int)Math.Min(2 * BatchSize, data.Count)).Select(i => (long)i).ToArray();
            trainer.Fit(plan, new BatchLoader(data, new BatchLoaderOptions(BatchSize: BatchSize, Seed: Seed), first));
            return File.Exists(Path.Combine(runDirectory, "checkpoints", "last.ckpt")) ? null : "no checkpoints/last.ckpt was written";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"{e.GetType().Name}: {e.Message.TrimEnd('.')}, in {GraftFrame(e) ?? "?"}";
        }
        finally
        {
            Directory.Delete(runDirectory, recursive: true);
        }
    }

    /// <summary>The innermost Graft method on <paramref name="e"/>'s stack, without arguments or file names.</summary>
    private static string? GraftFrame(Exception e)
    {
        foreach (var line in (e.StackTrace ?? "").Split('\n'))
        {
            var frame = line.Trim();
            if (frame.StartsWith("at ", StringComparison.Ordinal)) frame = frame[3..];
            if (!frame.StartsWith("Graft.", StringComparison.Ordinal)) continue;
            int paren = frame.IndexOf('(');
            return paren > 0 ? frame[..paren] : frame;
        }

        return null;
    }

    /// <summary>One epoch through Graft: SupervisedPlan, BatchLoader and Trainer with its file outputs on.</summary>
    private static RunMeasurement RunGraft(TensorDataset data, bool checkpoints)
    {
        var runDirectory = Directory.CreateTempSubdirectory("graft-bench-").FullName;
        try
        {
            using var model = NewModel();
            var plan = SupervisedPlan.Create(model, "image", data.Schema.Label("label"));
            Settle();
            var watch = RunTimer.Start();
            var trainer = new Trainer(
                new TrainerOptions(
                    Epochs: 1,
                    Seed: Seed,
                    Threads: ThreadCount,
                    Optimizer: new OptimizerOptions(OptimizerKind.Adam, LearningRate),
                    RunDirectory: runDirectory,
                    Checkpoints: checkpoints,
                    Progress: ProgressMode.None),
                [new ConsoleProgress(ProgressMode.Lines, TextWriter.Null)]);
            var loader = new BatchLoader(data, new BatchLoaderOptions(BatchSize: BatchSize, Seed: Seed));
            var result = trainer.Fit(plan, loader);
                        CheckRunDirectory(runDirectory, checkpoints);
            return watch.Stop(result.Final["train.loss"]);
        }
        finally
        {
            Directory.Delete(runDirectory, recursive: true);
        }
    }

    /// <summary>
    /// One epoch written by hand: a random permutation of the samples, an <c>index_select</c> of images and labels per
    /// batch, forward, cross-entropy, backward, an Adam step and <c>loss.item()</c>, each step in a dispose scope.
    /// </summary>
    private static RunMeasurement RunPlain(TensorDataset data)
    {
        using var model = NewModel();
        var images = data.Feature("image");
        var labels = data.Label("label").Values;
        long count = images.shape[0];
        Settle();
        var watch = RunTimer.Start();
        torch.set_num_threads(ThreadCount);
        using var optimizer = torch.optim.Adam(model.parameters(), lr: LearningRate);
        model.train();
        torch.manual_seed(Seed);
        using var order = torch.randperm(count, dtype: ScalarType.Int64);
        double lossSum = 0;
        for (long start = 0; start < count; start += BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(BatchSize, count - start);
            var index = order.narrow(0, start, length);
            var x = images.index_select(0, index);
            var y = labels.index_select(0, index);
            var logits = model.call(x);
            var loss = nn.functional.cross_entropy(logits, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>() * length;
        }

                return watch.Stop(lossSum / count);
    }

    /// <summary>One epoch of the same model and loop in PyTorch, in a new interpreter (its start-up and data loading untimed).</summary>
    private static RunMeasurement RunPyTorch(PyTorchLeg pytorch)
    {
        Settle();
        var (seconds, cpu, loss) = pytorch.RunEpoch(BatchSize, LearningRate, ThreadCount, Seed);
        var load = MachineInfo.LoadAverage()?.Split(' ')[0];
        return new RunMeasurement(seconds, cpu, loss, double.TryParse(load, CultureInfo.InvariantCulture, out var l) ? l : null);
    }

    /// <summary>Collects garbage between runs so one run's leftovers are not finalised during the next.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Fails the study when the Trainer did not write what its defaults promise (then it did less work).</summary>
    private static void CheckRunDirectory(string runDirectory, bool checkpoints)
    {
        string[] expected = checkpoints
            ? [Path.Combine("checkpoints", "last.ckpt"), Path.Combine("checkpoints", "best.ckpt"), "metrics.json", "curves.png"]
            : ["metrics.json", "curves.png"];
        foreach (var file in expected)
            if (!File.Exists(Path.Combine(runDirectory, file)))
                throw new InvalidOperationException($"The Trainer did not write {file} in its run directory {runDirectory}: the benchmark would not measure its defaults.");
        var events = Path.Combine(runDirectory, "tensorboard", "train");
        if (!Directory.Exists(events) || Directory.GetFiles(events).Length == 0)
            throw new InvalidOperationException($"The Trainer wrote no TensorBoard events under {events}: the benchmark would not measure its defaults.");
    }

    private StudyOutcome Summarise(long samples, long parameters, BenchOptions options, string? checkpointFailure, RunMeasurement warmGraft, RunMeasurement warmPlain, List<PairMeasurement> pairs, string? pytorchVersion, string pytorchMissing)
    {
        bool withPyTorch = pytorchVersion is not null;
        var torchSeconds = pairs.Where(p => p.PyTorch is not null).Select(p => p.PyTorch!.Seconds).ToArray();
        var torchRatios = pairs.Where(p => p.PyTorch is not null).Select(p => p.PyTorchRatio).ToArray();
        double medianTorch = withPyTorch ? Statistics.Median(torchSeconds) : double.NaN;
        double medianTorchRatio = withPyTorch ? Statistics.Median(torchRatios) : double.NaN;
        var graftSeconds = pairs.Select(p => p.Graft.Seconds).ToArray();
        var plainSeconds = pairs.Select(p => p.Plain.Seconds).ToArray();
        var ratios = pairs.Select(p => p.Ratio).ToArray();
        double medianGraft = Statistics.Median(graftSeconds);
        double medianPlain = Statistics.Median(plainSeconds);
        double medianRatio = Statistics.Median(ratios);
        double q1 = Statistics.Quantile(ratios, 0.25), q3 = Statistics.Quantile(ratios, 0.75);

        var rows = new List<IReadOnlyList<string>>
        {
            new[]
            {
                "warm-up", "graft first", F(warmGraft.Seconds, 2), F(warmPlain.Seconds, 2), F(warmGraft.Seconds / warmPlain.Seconds, 3),
                F(warmGraft.CpuSeconds, 1), F(warmPlain.CpuSeconds, 1), F(warmGraft.CpuSeconds / warmPlain.CpuSeconds, 3), Load(warmGraft, warmPlain), F(warmGraft.Loss, 4), F(warmPlain.Loss, 4),
                "-", "-", "-",
            },
        };
        rows.AddRange(pairs.Select(p => (IReadOnlyList<string>)new[]
        {
            p.Pair.ToString(CultureInfo.InvariantCulture), p.GraftFirst ? "graft first" : "plain first",
            F(p.Graft.Seconds, 2), F(p.Plain.Seconds, 2), F(p.Ratio, 3),
            F(p.Graft.CpuSeconds, 1), F(p.Plain.CpuSeconds, 1), F(p.CpuRatio, 3), Load(p.Graft, p.Plain), F(p.Graft.Loss, 4), F(p.Plain.Loss, 4),
            p.PyTorch is null ? "skipped" : F(p.PyTorch.Seconds, 2), p.PyTorch is null ? "-" : F(p.PyTorchRatio, 3), p.PyTorch is null ? "-" : F(p.PyTorch.Loss, 4),
        }));
        var cpuRatios = pairs.Select(p => p.CpuRatio).ToArray();
        double medianCpuRatio = Statistics.Median(cpuRatios);
        double maxLoad = pairs.SelectMany(p => new[] { p.Graft.Load, p.Plain.Load }).Max(l => l ?? 0);
        bool busy = maxLoad > Environment.ProcessorCount + 0.5;
        bool pass = medianRatio <= TargetRatio && (!withPyTorch || medianTorchRatio < 1);
        string verdict = (pass ? "PASS" : "FAIL") + (withPyTorch ? "" : " (PyTorch leg skipped)") + (busy ? " (disturbed run: treat with caution)" : "");

        var description =
            $"One epoch of Fashion-MNIST ({samples:N0} training images) with `SmallCnn` (default arguments), batch {BatchSize}, " +
            $"Adam lr {LearningRate.ToString(CultureInfo.InvariantCulture)}, {ThreadCount} intra-op threads, trained two ways on the same data tensors:\n\n" +
            "- **graft**: `SupervisedPlan.Create(model, \"image\", schema.Label(\"label\"))`, `BatchLoader` (batch 128, shuffled, automatic prefetch: none, as the data " +
            "is in memory) and `Trainer` with its defaults on: " +
            (checkpointFailure is null ? "checkpoints (`last.ckpt`, `best.ckpt`), " : "") + "TensorBoard events, `metrics.json` and `curves.png` " +
            "in a temporary run directory, plain-lines progress to a null writer, the NaN/Inf guard (gradient norm every step), masked cross-entropy and the " +
            "accuracy metric every step. Validation is off (no validation loader), as the plain loop does none." +
            (checkpointFailure is null ? "" : $" **Checkpoints were off**: the Trainer failed to write one on this build ({checkpointFailure}).") + "\n" +
            "- **plain**: a hand-written TorchSharp loop: one `randperm` per epoch, an `index_select` of images and labels per batch, forward, " +
            "`cross_entropy`, backward, Adam step, `loss.item()` per step, a dispose scope per step.\n" +
            "- **pytorch**: the same loop and model (`bench/pytorch/train_epoch.py`) in PyTorch " + (pytorchVersion ?? "") + " under Debian's `" + PyTorchLeg.Interpreter + "` " +
            "(package `python3-torch`), same threads, on the same tensors (written to raw files once); a new interpreter per run, its start-up and data loading untimed." +
            (withPyTorch ? "" : $" **Skipped here**: {pytorchMissing}.") + "\n\n" +
            "Each run builds a fresh model from the same seed (outside the timed region). The timed region for graft is trainer and loader creation plus " +
            "`Fit` (optimizer creation and the file outputs included); for plain, optimizer creation plus the epoch. A warm-up run of each side comes first " +
            "and is not counted; then the pairs alternate which side runs first. The ratio is graft/plain within each pair. " +
            "CPU seconds are the whole process's user+system time during the run; the load is the " +
            "machine's 1-minute load average at the end of each run (graft / plain): above the core count, other work competed for the CPU " +
            "and wall-clock figures are inflated and noisy." +
            (busy ? $" **This run was disturbed**: the load reached {F(maxLoad, 1)} on {Environment.ProcessorCount} cores." : "");

        var settings = new List<NamedValue>
        {
            new("Dataset", $"Fashion-MNIST train, {samples:N0} samples" + (options.Smoke ? " (smoke run: --limit or --quick)" : "")),
            new("Model", $"SmallCnn() — {parameters:N0} parameters"),
            new("Batch size", BatchSize.ToString(CultureInfo.InvariantCulture)),
            new("Optimizer", $"Adam, lr {LearningRate.ToString(CultureInfo.InvariantCulture)}"),
            new("Threads", $"torch.set_num_threads({ThreadCount})"),
            new("Seed", Seed.ToString(CultureInfo.InvariantCulture)),
            new("Validation", "off (both sides)"),
            new("Graft outputs", (checkpointFailure is null ? "checkpoints, " : "") + "TensorBoard, metrics.json, curves.png, progress lines to a null writer"),
            new("Checkpoints", checkpointFailure is null ? "on" : $"OFF: writing one failed ({checkpointFailure})"),
            new("Pairs", $"{pairs.Count} measured (alternating order) after 1 warm-up run per side"),
            new("PyTorch", withPyTorch ? $"{pytorchVersion} ({PyTorchLeg.Interpreter})" : $"skipped: {pytorchMissing}"),
        };

        var summary = new List<NamedValue>
        {
            new("Median graft epoch", $"{F(medianGraft, 2)} s"),
            new("Median plain epoch", $"{F(medianPlain, 2)} s"),
            new("Median ratio graft/plain (wall clock)", F(medianRatio, 3)),
            new("Ratio spread (min–max)", $"{F(ratios.Min(), 3)}–{F(ratios.Max(), 3)}"),
            new("Ratio IQR (q1–q3)", $"{F(q1, 3)}–{F(q3, 3)}"),
            new("Overhead (median ratio − 1)", $"{F((medianRatio - 1) * 100, 1)} %"),
            new("Median CPU-time ratio graft/plain", $"{F(medianCpuRatio, 3)} (min–max {F(cpuRatios.Min(), 3)}–{F(cpuRatios.Max(), 3)})"),
            new("Highest 1-minute load average", $"{F(maxLoad, 2)} on {Environment.ProcessorCount} cores" + (busy ? " (disturbed)" : "")),
            new("Throughput graft", $"{F(samples / medianGraft, 0)} samples/s"),
            new("Throughput plain", $"{F(samples / medianPlain, 0)} samples/s"),
        };
        if (withPyTorch)
        {
            summary.Insert(2, new("Median PyTorch epoch", $"{F(medianTorch, 2)} s"));
            summary.Insert(6, new("Median ratio graft/PyTorch (wall clock)", $"{F(medianTorchRatio, 3)} (min–max {F(torchRatios.Min(), 3)}–{F(torchRatios.Max(), 3)})"));
            summary.Add(new("Throughput PyTorch", $"{F(samples / medianTorch, 0)} samples/s"));
        }
        else
        {
            summary.Add(new("PyTorch", $"skipped: {pytorchMissing}"));
        }

        var data = new JsonObject
        {
            ["samples"] = samples,
            ["parameters"] = parameters,
            ["batch_size"] = BatchSize,
            ["learning_rate"] = LearningRate,
            ["threads"] = ThreadCount,
            ["seed"] = Seed,
            ["target_ratio"] = TargetRatio,
            ["checkpoints"] = checkpointFailure is null,
            ["checkpoint_failure"] = checkpointFailure,
            ["warm_up"] = new JsonObject { [Graft] = Run(warmGraft), [Plain] = Run(warmPlain) },
            ["pairs"] = new JsonArray(pairs.Select(p => (JsonNode)new JsonObject
            {
                ["pair"] = p.Pair,
                ["first"] = p.GraftFirst ? Graft : Plain,
                [Graft] = Run(p.Graft),
                [Plain] = Run(p.Plain),
                ["pytorch"] = p.PyTorch is null ? null : Run(p.PyTorch),
                ["pytorch_ratio"] = p.PyTorch is null ? null : p.PyTorchRatio,
                ["ratio"] = p.Ratio,
                ["cpu_ratio"] = p.CpuRatio,
            }).ToArray()),
            ["median_cpu_ratio"] = medianCpuRatio,
            ["max_load_average"] = maxLoad,
            ["disturbed"] = busy,
            ["median_seconds"] = new JsonObject { [Graft] = medianGraft, [Plain] = medianPlain },
            ["median_ratio"] = medianRatio,
            ["pytorch_version"] = pytorchVersion,
            ["median_pytorch_seconds"] = withPyTorch ? medianTorch : null,
            ["median_pytorch_ratio"] = withPyTorch ? medianTorchRatio : null,
            ["ratio_min"] = ratios.Min(),
            ["ratio_max"] = ratios.Max(),
            ["ratio_q1"] = q1,
            ["ratio_q3"] = q3,
            ["samples_per_second"] = new JsonObject { [Graft] = samples / medianGraft, [Plain] = samples / medianPlain },
        };

        return new StudyOutcome(
            description,
            settings,
            [new ResultTable("Runs (seconds per epoch; CPU = process CPU seconds; load = 1-minute load average after the graft / plain run; loss = mean training loss of the epoch)", ["Pair", "Order", "Graft s", "Plain s", "Graft/plain", "Graft CPU s", "Plain CPU s", "CPU ratio", "Load", "Graft loss", "Plain loss", "PyTorch s", "Graft/PyTorch", "PyTorch loss"], rows)],
            summary,
            $"median ratio graft/plain ≤ {TargetRatio.ToString("0.00", CultureInfo.InvariantCulture)}, and graft faster than PyTorch (median ratio graft/PyTorch < 1)",
            verdict,
            data);

        static JsonObject Run(RunMeasurement m) => new() { ["seconds"] = m.Seconds, ["cpu_seconds"] = m.CpuSeconds, ["train_loss"] = m.Loss, ["load_average"] = m.Load };

        static string Load(RunMeasurement graft, RunMeasurement plain) => $"{(graft.Load is { } g ? F(g, 1) : "?")} / {(plain.Load is { } p ? F(p, 1) : "?")}";
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>One run: wall-clock seconds, CPU seconds of the whole process, the mean training loss and the 1-minute load average at its end.</summary>
    private sealed record RunMeasurement(double Seconds, double CpuSeconds, double Loss, double? Load);

    /// <summary>Measures wall-clock and process CPU time of a run.</summary>
    private readonly struct RunTimer
    {
        private readonly long _start;
        private readonly TimeSpan _cpu;

        private RunTimer(long start, TimeSpan cpu)
        {
            _start = start;
            _cpu = cpu;
        }

        public static RunTimer Start() => new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime);

        public RunMeasurement Stop(double loss)
        {
            var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds;
            var load = MachineInfo.LoadAverage()?.Split(' ')[0];
            return new RunMeasurement(wall, cpu, loss, double.TryParse(load, CultureInfo.InvariantCulture, out var l) ? l : null);
        }
    }

    private sealed record PairMeasurement(int Pair, bool GraftFirst, RunMeasurement Graft, RunMeasurement Plain, RunMeasurement? PyTorch)
    {
        public double PyTorchRatio => PyTorch is null ? double.NaN : Graft.Seconds / PyTorch.Seconds;

        public double Ratio => Graft.Seconds / Plain.Seconds;

        public double CpuRatio => Graft.CpuSeconds / Plain.CpuSeconds;
    }
}
