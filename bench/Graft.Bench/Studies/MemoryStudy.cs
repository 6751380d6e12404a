using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Bench.Measuring;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Data.Catalog;
using Graft.Models.Builders;
using Graft.Training;
using Graft.Training.Callbacks;
using TorchSharp;

namespace Graft.Bench.Studies;

/// <summary>
/// Whether training leaks: the process's peak resident memory in each of 10 epochs of a Fashion-MNIST CNN trained by
/// Graft's <see cref="Trainer"/> with its defaults on, for several seeds. Memory that grows epoch after epoch once the
/// first epochs have warmed the allocators up is a leak.
/// </summary>
internal sealed class MemoryStudy : IStudy
{
    private const int ThreadCount = 2;
    private const int BatchSize = 128;
    private const double TargetGrowth = 0.05;
    private const int FullTrainSamples = 12_000;
    private const int FullValidationSamples = 2_000;
    private const int FullEpochs = 10;
    private const int QuickTrainSamples = 512;
    private const int QuickValidationSamples = 256;
    private const int QuickEpochs = 3;
    private const double Mb = 1024.0 * 1024.0;
    private static readonly long[] Seeds = [1, 2, 3];
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The epoch (1-based) whose peak is the baseline: the first two warm the allocators and caches up.</summary>
    internal const int BaselineEpoch = 2;

    public string Name => "memory";

    public string Title => "Memory: peak resident memory per epoch over 10 epochs of training";

    public int Threads => ThreadCount;

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        torch.set_num_threads(ThreadCount);
        int epochs = options.Quick ? QuickEpochs : FullEpochs;
        long trainLimit = Math.Min(options.Quick ? QuickTrainSamples : FullTrainSamples, options.Limit ?? long.MaxValue);
        long validationLimit = Math.Min(options.Quick ? QuickValidationSamples : FullValidationSamples, options.Limit ?? long.MaxValue);
        // Download = false: never write into the user's cache; the error names the Debian package when the data is absent.
        using var train = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = trainLimit, Download = false });
        using var validation = FashionMnist.Load(FashionMnistSplit.Test, new FashionMnistOptions { Limit = validationLimit, Download = false });

        var resetFailure = ProcessMemory.ProbePeakReset();
        string method = resetFailure is null
            ? "VmHWM, reset each epoch by writing 5 to /proc/self/clear_refs"
            : $"VmRSS sampled every {SampleInterval.TotalMilliseconds:0} ms (resetting VmHWM failed: {resetFailure})";
        log.WriteLine($"[{Name}] {train.Count} training and {validation.Count} validation images, {epochs} epochs, seeds {string.Join(", ", Seeds)}; peak: {method}");

        var runs = new List<SeedRun>();
        var total = Stopwatch.StartNew();
        using (var sampler = new ResidentSampler(SampleInterval))
        {
            foreach (var seed in Seeds)
            {
                var run = Train(train, validation, epochs, seed, resetFailure is null, sampler, log);
                runs.Add(run);
                log.WriteLine($"[{Name}] seed {seed}: growth after epoch {BaselineEpoch} {(run.Growth is { } g ? Percent(g) : "n/a")}, peaks {string.Join(" ", run.Epochs.Select(e => F(e.Peak / Mb, 0)))} MB");
            }
        }

        return Summarise(options, train.Count, validation.Count, epochs, method, resetFailure, runs, total.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The growth of the peak after the baseline epoch: the highest peak of the epochs after <see cref="BaselineEpoch"/>
    /// over the baseline epoch's peak, minus 1 (0.05 is 5 % more). Null when there is no epoch after the baseline.
    /// </summary>
    /// <param name="peaks">The peak of each epoch, epoch 1 first.</param>
    internal static double? Growth(IReadOnlyList<double> peaks) => GrowthOf(peaks, later => later.Max());

    /// <summary>
    /// Like <see cref="Growth"/> with the median instead of the highest peak after the baseline epoch: less pulled up by
    /// one noisy epoch (the highest of eight noisy peaks sits above a typical one even without a leak). Null when there is no epoch after the baseline.
    /// </summary>
    internal static double? MedianGrowth(IReadOnlyList<double> peaks) => GrowthOf(peaks, Statistics.Median);

    private static double? GrowthOf(IReadOnlyList<double> peaks, Func<IReadOnlyList<double>, double> summarise)
    {
        ArgumentNullException.ThrowIfNull(peaks);
        if (peaks.Count <= BaselineEpoch) return null;
        double baseline = peaks[BaselineEpoch - 1];
        if (!(baseline > 0)) throw new ArgumentException($"the peak of epoch {BaselineEpoch} must be positive; it is {baseline}.", nameof(peaks));
        return summarise(peaks.Skip(BaselineEpoch).ToList()) / baseline - 1;
    }

    private SeedRun Train(TensorDataset train, TensorDataset validation, int epochs, long seed, bool resetPeak, ResidentSampler sampler, TextWriter log)
    {
        var runDirectory = Directory.CreateTempSubdirectory("graft-bench-memory-").FullName;
        try
        {
            Settle();
            torch.manual_seed(seed);
            using var model = new SmallCnn();
            var plan = SupervisedPlan.Create(model, "image", train.Schema.Label("label"));
            var recorder = new EpochMemoryRecorder(resetPeak, sampler, log, Name, seed);
            var trainer = new Trainer(
                new TrainerOptions(Epochs: epochs, Seed: seed, Threads: ThreadCount, RunDirectory: runDirectory, Progress: ProgressMode.None),
                [recorder]);
            var result = trainer.Fit(
                plan,
                new BatchLoader(train, new BatchLoaderOptions(BatchSize: BatchSize, Seed: seed)),
                new BatchLoader(validation, new BatchLoaderOptions(BatchSize: BatchSize, Shuffle: false)));
            if (recorder.Epochs.Count != epochs)
                throw new InvalidOperationException($"the memory recorder saw {recorder.Epochs.Count} of {epochs} epochs: the Trainer removed it or stopped early, and the study would measure nothing.");
            if (!File.Exists(Path.Combine(runDirectory, "checkpoints", "last.ckpt")) || !File.Exists(Path.Combine(runDirectory, "metrics.json")))
                throw new InvalidOperationException($"the Trainer wrote no checkpoint or metrics.json in {runDirectory}: the study would not measure its defaults.");
            var peaks = recorder.Epochs.Select(e => (double)e.Peak).ToList();
            return new SeedRun(seed, recorder.Epochs, Growth(peaks), MedianGrowth(peaks),
                result.Final.GetValueOrDefault("train.loss", double.NaN), result.Final.GetValueOrDefault("validation.accuracy", double.NaN));
        }
        finally
        {
            Directory.Delete(runDirectory, recursive: true);
        }
    }

    private StudyOutcome Summarise(BenchOptions options, long trainCount, long validationCount, int epochs, string method, string? resetFailure, List<SeedRun> runs, double seconds)
    {
        var growths = runs.Where(r => r.Growth is not null).Select(r => r.Growth!.Value).ToList();
        var medianGrowths = runs.Where(r => r.MedianGrowth is not null).Select(r => r.MedianGrowth!.Value).ToList();
        double? median = growths.Count > 0 ? Statistics.Median(growths) : null;
        string? verdict = median is { } m ? (m <= TargetGrowth ? "PASS" : "FAIL") : null;
        double maxLoad = runs.SelectMany(r => r.Epochs).Max(e => e.Load ?? 0);
        bool busy = maxLoad > Environment.ProcessorCount + 0.5;
        if (verdict is not null && busy) verdict += " (disturbed run: treat with caution)";

        var epochRows = runs.SelectMany(r => r.Epochs.Select(e => (IReadOnlyList<string>)
        [
            r.Seed.ToString(CultureInfo.InvariantCulture), e.Epoch.ToString(CultureInfo.InvariantCulture),
            F(e.Peak / Mb, 1), F(e.SampledPeak / Mb, 1), F(e.Resident / Mb, 1), F(e.ManagedHeap / Mb, 1),
            e.LiveTensors.ToString(CultureInfo.InvariantCulture), F(e.Seconds, 2),
        ])).ToList();
        var seedRows = runs.Select(r => (IReadOnlyList<string>)
        [
            r.Seed.ToString(CultureInfo.InvariantCulture),
            r.Epochs.Count >= BaselineEpoch ? F(r.Epochs[BaselineEpoch - 1].Peak / Mb, 1) : "n/a",
            r.Epochs.Count > BaselineEpoch ? F(r.Epochs.Skip(BaselineEpoch).Max(e => e.Peak) / Mb, 1) : "n/a",
            r.Growth is { } g ? Percent(g) : "n/a",
            r.MedianGrowth is { } mg ? Percent(mg) : "n/a",
            F((r.Epochs[^1].Resident - r.Epochs[Math.Min(BaselineEpoch, r.Epochs.Count) - 1].Resident) / Mb, 1),
            (r.Epochs[^1].LiveTensors - r.Epochs[Math.Min(BaselineEpoch, r.Epochs.Count) - 1].LiveTensors).ToString(CultureInfo.InvariantCulture),
            F(r.TrainLoss, 4), F(r.ValidationAccuracy, 4),
        ]).ToList();

        var description =
            $"`SmallCnn()` trained by Graft's `Trainer` for {epochs} epochs on {trainCount:N0} Fashion-MNIST training images (validated on {validationCount:N0} test " +
            $"images every epoch), batch {BatchSize}, Adam (the default), {ThreadCount} intra-op threads, with the Trainer's file outputs on (checkpoints, " +
            "TensorBoard events, `metrics.json`, `curves.png` in a temporary run directory), once per seed, one seed after the other in one process.\n\n" +
            "A callback registered after the built-in ones reads `/proc/self/status` at the end of every epoch (after validation and the epoch's " +
            $"checkpoint): the peak resident memory of the epoch ({method}), the resident memory then (`VmRSS`), the managed heap " +
            "(`GC.GetTotalMemory(false)`) and TorchSharp's live tensor count (`torch.Tensor.TotalCount`). A sampler thread also records the highest " +
            $"`VmRSS` it saw every {SampleInterval.TotalMilliseconds:0} ms, as a cross-check (it misses spikes shorter than that).\n\n" +
            $"Growth = (highest peak of epochs {BaselineEpoch + 1}..{epochs}) / (peak of epoch {BaselineEpoch}) − 1, per seed; the first two epochs warm " +
            "allocators and caches up. The verdict takes the median over the seeds. The highest of several noisy peaks sits above a typical one even " +
            "when nothing leaks, so the median-peak growth (the median of those epochs' peaks instead of the highest) is shown beside it; a leak raises both." +
            (busy ? $" **This run was disturbed**: the 1-minute load average reached {F(maxLoad, 1)} on {Environment.ProcessorCount} cores (memory figures are less affected than times)." : "");

        var settings = new List<NamedValue>
        {
            new("Dataset", $"Fashion-MNIST: the first {trainCount:N0} training images, the first {validationCount:N0} test images for validation" + (options.Smoke ? " (smoke run)" : "")),
            new("Model", "SmallCnn() (default arguments)"),
            new("Epochs", epochs.ToString(CultureInfo.InvariantCulture)),
            new("Batch size", BatchSize.ToString(CultureInfo.InvariantCulture)),
            new("Trainer", "defaults (Adam lr 1e-3, checkpoints, TensorBoard, metrics.json, curves.png); progress off"),
            new("Threads", $"torch.set_num_threads({ThreadCount})"),
            new("Seeds", string.Join(", ", Seeds)),
            new("Peak per epoch", method),
        };

        var summary = new List<NamedValue>
        {
            new($"Median growth of the peak after epoch {BaselineEpoch}", median is { } md ? Percent(md) : $"n/a (fewer than {BaselineEpoch + 1} epochs)"),
            new("Growth spread over seeds (min–max)", growths.Count > 0 ? $"{Percent(growths.Min())} – {Percent(growths.Max())}" : "n/a"),
            new($"Median over seeds of the median-peak growth (median of epochs {BaselineEpoch + 1}..{epochs} over epoch {BaselineEpoch})",
                medianGrowths.Count > 0 ? $"{Percent(Statistics.Median(medianGrowths))} ({Percent(medianGrowths.Min())} – {Percent(medianGrowths.Max())})" : "n/a"),
            new("Highest peak of any epoch", $"{F(runs.SelectMany(r => r.Epochs).Max(e => e.Peak) / Mb, 1)} MB"),
            new("Median peak of the last epoch", $"{F(Statistics.Median(runs.Select(r => (double)r.Epochs[^1].Peak).ToList()) / Mb, 1)} MB"),
            new("Live tensors at the end of the last epoch (per seed)", string.Join(", ", runs.Select(r => r.Epochs[^1].LiveTensors.ToString(CultureInfo.InvariantCulture)))),
            new("Highest 1-minute load average", $"{F(maxLoad, 2)} on {Environment.ProcessorCount} cores" + (busy ? " (disturbed)" : "")),
            new("Study wall clock", $"{F(seconds, 0)} s"),
        };

        var data = new JsonObject
        {
            ["train_samples"] = trainCount,
            ["validation_samples"] = validationCount,
            ["epochs"] = epochs,
            ["batch_size"] = BatchSize,
            ["threads"] = ThreadCount,
            ["baseline_epoch"] = BaselineEpoch,
            ["target_growth"] = TargetGrowth,
            ["peak_method"] = resetFailure is null ? "vmhwm-reset" : "sampled-vmrss",
            ["peak_reset_failure"] = resetFailure,
            ["sample_interval_ms"] = SampleInterval.TotalMilliseconds,
            ["seeds"] = new JsonArray(runs.Select(r => (JsonNode)new JsonObject
            {
                ["seed"] = r.Seed,
                ["growth"] = r.Growth,
                ["median_peak_growth"] = r.MedianGrowth,
                ["train_loss"] = r.TrainLoss,
                ["validation_accuracy"] = r.ValidationAccuracy,
                ["epochs"] = new JsonArray(r.Epochs.Select(e => (JsonNode)new JsonObject
                {
                    ["epoch"] = e.Epoch,
                    ["peak_bytes"] = e.Peak,
                    ["sampled_peak_bytes"] = e.SampledPeak,
                    ["resident_bytes"] = e.Resident,
                    ["managed_heap_bytes"] = e.ManagedHeap,
                    ["live_tensors"] = e.LiveTensors,
                    ["seconds"] = e.Seconds,
                    ["load_average"] = e.Load,
                }).ToArray()),
            }).ToArray()),
            ["median_growth"] = median,
            ["growth_min"] = growths.Count > 0 ? growths.Min() : null,
            ["growth_max"] = growths.Count > 0 ? growths.Max() : null,
            ["max_load_average"] = maxLoad,
            ["disturbed"] = busy,
            ["seconds"] = seconds,
        };

        return new StudyOutcome(
            description,
            settings,
            [
                new ResultTable("Per seed (MB; growth of the peak after epoch 2; RSS and live-tensor change from the end of epoch 2 to the end of the last)",
                    ["Seed", "Peak epoch 2 MB", $"Highest peak epochs 3–{epochs} MB", "Growth", "Median-peak growth", "RSS change MB", "Live-tensor change", "Train loss", "Validation accuracy"], seedRows),
                new ResultTable("Per epoch (MB; peak = the epoch's high-water mark; sampled = highest VmRSS seen by the 50 ms sampler; RSS and heap at the epoch's end; seconds from one epoch end to the next)",
                    ["Seed", "Epoch", "Peak RSS MB", "Sampled peak MB", "RSS at end MB", "Managed heap MB", "Live tensors", "Seconds"], epochRows),
            ],
            summary,
            $"median growth of the per-epoch peak RSS after epoch {BaselineEpoch} ≤ {TargetGrowth * 100:0} % (over {Seeds.Length} seeds)",
            verdict,
            data);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string F(double value, int decimals) => double.IsNaN(value) ? "n/a" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    private static string Percent(double fraction) => (fraction * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " %";

    /// <summary>One seed's run: its epochs and the growth of their peaks.</summary>
    private sealed record SeedRun(long Seed, IReadOnlyList<EpochMemory> Epochs, double? Growth, double? MedianGrowth, double TrainLoss, double ValidationAccuracy);

    /// <summary>What one epoch used (bytes), how long it took from the previous epoch's end, and the 1-minute load average at its end.</summary>
    private sealed record EpochMemory(int Epoch, long Peak, long SampledPeak, long Resident, long ManagedHeap, long LiveTensors, double Seconds, double? Load);

    /// <summary>Records each epoch's memory at its end, then starts the next epoch's peak afresh.</summary>
    private sealed class EpochMemoryRecorder(bool resetPeak, ResidentSampler sampler, TextWriter log, string study, long seed) : ITrainerCallback
    {
        private readonly Stopwatch _watch = new();

        public List<EpochMemory> Epochs { get; } = [];

        public void OnTrainBegin(TrainingContext context)
        {
            StartInterval();
        }

        public void OnEpochEnd(TrainingContext context, EpochRecord record)
        {
            double seconds = _watch.Elapsed.TotalSeconds;
            var reading = ProcessMemory.Read();
            long sampled = sampler.TakePeak();
            var load = MachineInfo.LoadAverage()?.Split(' ')[0];
            var epoch = new EpochMemory(record.Epoch + 1, resetPeak ? reading.Peak : sampled, sampled, reading.Resident, GC.GetTotalMemory(false), torch.Tensor.TotalCount, seconds,
                double.TryParse(load, CultureInfo.InvariantCulture, out var l) ? l : null);
            Epochs.Add(epoch);
            log.WriteLine($"[{study}] seed {seed} epoch {epoch.Epoch}: peak {F(epoch.Peak / Mb, 1)} MB (sampled {F(sampled / Mb, 1)}), RSS {F(epoch.Resident / Mb, 1)} MB, " +
                          $"heap {F(epoch.ManagedHeap / Mb, 1)} MB, {epoch.LiveTensors} tensors, {F(seconds, 1)} s");
            StartInterval();
        }

        private void StartInterval()
        {
            if (resetPeak) ProcessMemory.ResetPeak();
            sampler.TakePeak();
            _watch.Restart();
        }
    }
}
