using Graft.Data.Batching;
using Graft.Flows.Composition;
using Graft.Flows.Synthetic;
using Graft.Models.Builders;
using Graft.Training;
using static TorchSharp.torch;

namespace Graft.Tests.Flows;

public class ScratchWeighting
{
    [Fact]
    public void Scratch()
    {
        if (Environment.GetEnvironmentVariable("GRAFT_SCRATCH") != "1") return;
        set_num_threads(2);
        using var data = SecurityCameraScenes.Generate(1280, seed: 1);
        var times = new Dictionary<TaskWeightingKind, List<double>> { [TaskWeightingKind.Fixed] = new(), [TaskWeightingKind.Uncertainty] = new() };
        for (int round = 0; round < 9; round++)
            foreach (var kind in new[] { TaskWeightingKind.Fixed, TaskWeightingKind.Uncertainty })
            {
                manual_seed(0);
                var backbone = new SmallCnn(3, 32, classes: 128, width: 16, hidden: 256, dropout: 0);
                using var flow = FlowCompiler.Compile(SecurityCameraScenes.Project().Build("full_flow"), new[] { new FlowEncoder("features", "image", backbone) }, data.Schema);
                var loader = new BatchLoader(flow.View(data), new BatchLoaderOptions(64, Seed: 1));
                var w = System.Diagnostics.Stopwatch.StartNew();
                new Trainer(new TrainerOptions(Epochs: 1, Progress: ProgressMode.None, Monitor: "train.loss")).Fit(flow.ToPlan(new TaskWeighting(kind)), loader);
                times[kind].Add(w.Elapsed.TotalMilliseconds / loader.BatchesPerEpoch);
            }

        double Median(List<double> l) => l.OrderBy(x => x).ElementAt(l.Count / 2);
        Console.WriteLine($"fixed {Median(times[TaskWeightingKind.Fixed]):0.0} ms/step, uncertainty {Median(times[TaskWeightingKind.Uncertainty]):0.0} ms/step, ratio {Median(times[TaskWeightingKind.Uncertainty]) / Median(times[TaskWeightingKind.Fixed]):0.000}");
        Console.WriteLine("all " + string.Join(" ", times.Select(kv => kv.Key + ":" + string.Join(",", kv.Value.Select(v => v.ToString("0.0"))))));
    }
}
