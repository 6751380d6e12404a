using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Data.Catalog;
using Graft.Models.Builders;
using Graft.Training;
using Graft.Training.Optimizers;
using Graft.Training.Shortcuts;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Bench.Studies;

/// <summary>
/// What <see cref="NativeRuntime.TuneAllocator"/> (glibc's mmap and trim thresholds raised) gains: one epoch of a CNN on
/// Fashion-MNIST and one evaluation of the test set, in a fresh process with the tuning and one without, interleaved.
/// The tuning is process-wide and cannot be undone, so each measurement is its own process (this executable, called
/// with <c>--allocator-probe</c>).
/// </summary>
internal sealed class AllocatorStudy : IStudy
{
    private const int ThreadCount = 2;

    /// <summary>The hidden argument that makes this executable one measurement of the study.</summary>
    public const string ProbeArgument = "--allocator-probe";

    public string Name => "allocator";

    public string Title => "Allocator tuning: training and evaluation with glibc's thresholds raised vs glibc's defaults";

    public int Threads => ThreadCount;

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        long images = options.Samples(quick: 2000) ?? 16_000;
        var rows = new List<IReadOnlyList<string>>();
        var trainRatios = new List<double>();
        var evalRatios = new List<double>();
        var pairs = new JsonArray();
        for (int pair = 0; pair < options.Pairs; pair++)
        {
            bool tunedFirst = pair % 2 == 1;
            var first = Probe(tunedFirst, images);
            var second = Probe(!tunedFirst, images);
            var (tuned, plain) = tunedFirst ? (first, second) : (second, first);
            trainRatios.Add(tuned.Train / plain.Train);
            evalRatios.Add(tuned.Evaluate / plain.Evaluate);
            rows.Add([(pair + 1).ToString(CultureInfo.InvariantCulture), S(plain.Train), S(tuned.Train), R(tuned.Train / plain.Train), S(plain.Evaluate), S(tuned.Evaluate), R(tuned.Evaluate / plain.Evaluate)]);
            pairs.Add(new JsonObject { ["default_train_s"] = plain.Train, ["tuned_train_s"] = tuned.Train, ["default_evaluate_s"] = plain.Evaluate, ["tuned_evaluate_s"] = tuned.Evaluate });
            log.WriteLine($"[{Name}] pair {pair + 1}: epoch {S(plain.Train)} s (glibc defaults) vs {S(tuned.Train)} s (tuned), evaluation {S(plain.Evaluate)} vs {S(tuned.Evaluate)} s");
        }

        double train = Statistics.Median(trainRatios), evaluate = Statistics.Median(evalRatios);
        return new StudyOutcome(
            $"One epoch of SmallCnn (width 16, hidden 64, depth 2; Adam, batch 128) on the first {images:N0} Fashion-MNIST training images, then one evaluation of the 10,000 test images, " +
            "each pair in two fresh processes — one with `GRAFT_ALLOCATOR_TUNING=0` (glibc's defaults), one with Graft's tuning (mmap threshold 32 MiB, trim threshold 1 GiB) — in alternating order.",
            [new NamedValue("training images", images.ToString("N0", CultureInfo.InvariantCulture)), new NamedValue("threads", ThreadCount.ToString(CultureInfo.InvariantCulture)), new NamedValue("pairs", options.Pairs.ToString(CultureInfo.InvariantCulture))],
            [new ResultTable("pairs", ["pair", "epoch s: defaults", "epoch s: tuned", "ratio", "evaluation s: defaults", "evaluation s: tuned", "ratio"], rows)],
            [new NamedValue("epoch time, tuned / defaults (median)", R(train)), new NamedValue("evaluation time, tuned / defaults (median)", R(evaluate))],
            "the tuning makes neither training nor evaluation slower (both medians ≤ 1.0)",
            train <= 1.0 && evaluate <= 1.0 ? "PASS" : "FAIL",
            new JsonObject { ["pairs"] = pairs, ["median_train_ratio"] = train, ["median_evaluate_ratio"] = evaluate });
    }

    /// <summary>One measurement, in a child process.</summary>
    private static (double Train, double Evaluate) Probe(bool tuned, long images)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("the bench cannot find its own executable.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(AllocatorStudy).Assembly.Location);
        start.ArgumentList.Add(ProbeArgument);
        start.ArgumentList.Add(images.ToString(CultureInfo.InvariantCulture));
        start.Environment["GRAFT_ALLOCATOR_TUNING"] = tuned ? "1" : "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{self} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var line = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        var parts = line.Split(' ');
        if (process.ExitCode != 0 || parts.Length != 2)
            throw new InvalidOperationException($"the allocator probe failed (exit {process.ExitCode}): {line} {error.Result}");
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The child process's work: prints the epoch's and the evaluation's seconds.</summary>
    public static int RunProbe(string[] args)
    {
        NativeRuntime.TuneAllocator();   // a no-op with GRAFT_ALLOCATOR_TUNING=0
        set_num_threads(ThreadCount);
        long images = long.Parse(args[1], CultureInfo.InvariantCulture);
        using var train = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = images });
        using var test = FashionMnist.Load(FashionMnistSplit.Test);
        manual_seed(0);
        var model = new SmallCnn(width: 16, hidden: 64, depth: 2);
        var options = new TrainerOptions(Optimizer: new OptimizerOptions(OptimizerKind.Adam, 1e-3), Progress: ProgressMode.None, Checkpoints: false,
            TensorBoard: false, Curves: false, Threads: ThreadCount);
        var watch = Stopwatch.StartNew();
        model.Fit(train.Feature("image"), train.Label("label").Values, epochs: 1, batchSize: 128, options: options, seed: 0);
        double trainSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        model.Evaluate(test.Feature("image"), test.Label("label").Values);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{trainSeconds:F3} {watch.Elapsed.TotalSeconds:F3}"));
        return 0;
    }

    private static string S(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

    private static string R(double ratio) => ratio.ToString("0.000", CultureInfo.InvariantCulture);
}
