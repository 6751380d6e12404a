using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Data.Batching;
using Graft.Flows.Composition;
using Graft.Flows.Synthetic;
using Graft.Models.Builders;
using Graft.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Bench.Studies;

/// <summary>
/// What uncertainty weighting (a learnable weight per task) costs per training step against fixed, equal task weights:
/// one epoch of the security-camera task flow (18 tasks) trained both ways in interleaved pairs, fresh model each run.
/// </summary>
internal sealed class TaskWeightingStudy : IStudy
{
    private const int ThreadCount = 2;
    private const int Scenes = 1280;
    private const int BatchSize = 64;
    private const double TargetRatio = 1.1;

    public string Name => "task-weighting";

    public string Title => "Task weighting: uncertainty weighting vs fixed equal weights, per training step";

    public int Threads => ThreadCount;

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        set_num_threads(ThreadCount);
        using var data = SecurityCameraScenes.Generate(options.Samples(quick: 256) is { } l ? (int)Math.Min(l, Scenes) : Scenes, seed: 1);
        double Step(TaskWeightingKind kind)
        {
            manual_seed(0);
            var backbone = new SmallCnn(3, 32, classes: 128, width: 16, hidden: 256, dropout: 0);
            using var flow = FlowCompiler.Compile(SecurityCameraScenes.Project().Build("full_flow"), new[] { new FlowEncoder("features", "image", backbone) }, data.Schema);
            var loader = new BatchLoader(flow.View(data), new BatchLoaderOptions(BatchSize, Seed: 1));
            var watch = Stopwatch.StartNew();
            new Trainer(new TrainerOptions(Epochs: 1, Threads: ThreadCount, Progress: ProgressMode.None, Monitor: "train.loss")).Fit(flow.ToPlan(new TaskWeighting(kind)), loader);
            return watch.Elapsed.TotalMilliseconds / loader.BatchesPerEpoch;
        }

        Step(TaskWeightingKind.Fixed); // warm-up
        var rows = new List<IReadOnlyList<string>>();
        var ratios = new List<double>();
        var data_ = new JsonArray();
        for (int pair = 0; pair < options.Pairs; pair++)
        {
            bool fixedFirst = pair % 2 == 0;
            double f, u;
            if (fixedFirst) { f = Step(TaskWeightingKind.Fixed); u = Step(TaskWeightingKind.Uncertainty); }
            else { u = Step(TaskWeightingKind.Uncertainty); f = Step(TaskWeightingKind.Fixed); }
            ratios.Add(u / f);
            rows.Add(new[] { (pair + 1).ToString(CultureInfo.InvariantCulture), F(f), F(u), (u / f).ToString("0.000", CultureInfo.InvariantCulture) });
            data_.Add(new JsonObject { ["fixed_ms"] = f, ["uncertainty_ms"] = u });
            log.WriteLine($"[{Name}] pair {pair + 1}: fixed {F(f)} ms/step, uncertainty {F(u)} ms/step, ratio {u / f:0.000}");
        }

        double median = Statistics.Median(ratios);
        return new StudyOutcome(
            "One epoch of `SecurityCameraScenes.Project()`'s full flow (18 tasks, SmallCnn encoder) with fixed equal weights and with uncertainty weighting, in interleaved pairs.",
            new[] { new NamedValue("scenes", data.Count.ToString(CultureInfo.InvariantCulture)), new NamedValue("batch", BatchSize.ToString(CultureInfo.InvariantCulture)), new NamedValue("threads", ThreadCount.ToString(CultureInfo.InvariantCulture)) },
            new[] { new ResultTable("pairs", new[] { "pair", "fixed ms/step", "uncertainty ms/step", "ratio" }, rows) },
            new[] { new NamedValue("median ratio", median.ToString("0.000", CultureInfo.InvariantCulture)) },
            $"uncertainty weighting at most {TargetRatio}x the per-step time of fixed weights",
            median <= TargetRatio ? "PASS" : "FAIL",
            new JsonObject { ["pairs"] = data_, ["median_ratio"] = median });
    }

    private static string F(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);
}
