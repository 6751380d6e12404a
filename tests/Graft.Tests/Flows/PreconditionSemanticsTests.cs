using Graft.Data;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using static Graft.Tests.Flows.FlowTestKit;

namespace Graft.Tests.Flows;

/// <summary>The seed's list for <c>A | B</c>, one by one (tuning, inference metrics, explanations and interpretations are in FlowToolsTests).</summary>
[Collection(Graft.Tests.Training.TrainerCollection.Name)]
public class PreconditionSemanticsTests
{
    // blocked, open, locked, present, size, kind
    private static readonly (int, int, int, int, float, int)[] Rows =
    {
        (1, 1, -1, -1, -1, -1), // blocked, yet labelled open: must not train open
        (1, 0, -1, -1, -1, -1),
        (0, 1, -1, 1, 4, 1),
        (0, 0, 1, -1, -1, -1),
    };

    [Fact]
    public void B_ground_truth_travels_in_the_batch_under_gt()
    {
        using var data = Scene(Rows);
        using var flow = Compile(Project(), data);
        using var batch = flow.View(data).GetBatch(new long[] { 0, 1, 2, 3 });
        Assert.Equal(new long[] { 1, 1, 0, 0 }, batch["gt.blocked"].data<long>().ToArray());
    }

    [Fact]
    public void A_weights_are_updated_only_from_samples_where_B_holds_in_the_ground_truth()
    {
        using var data = Scene(Rows);
        using var flow = Compile(Project(), data);
        var plan = flow.ToPlan();
        using var blockedOnly = flow.View(data).GetBatch(new long[] { 0, 1 });
        var loss = plan.Losses.Single(l => l.Name == "open").Compute(plan.Forward(blockedOnly), blockedOnly);
        loss.backward();
        var weight = flow.Module.named_parameters().Single(p => p.name == "heads.open.linear.weight").parameter;
        Assert.True(weight.grad is null || weight.grad.abs().sum().item<float>() == 0f);

        flow.Module.zero_grad();
        using var open = flow.View(data).GetBatch(new long[] { 0, 2 });
        plan.Losses.Single(l => l.Name == "open").Compute(plan.Forward(open), open).backward();
        Assert.True(weight.grad!.abs().sum().item<float>() > 0f);
    }

    [Fact]
    public void A_loss_is_the_mean_over_samples_where_B_holds_only()
    {
        using var data = Scene(Rows);
        using var flow = Compile(Project(), data);
        var plan = flow.ToPlan();
        using var all = flow.View(data).GetBatch(new long[] { 0, 1, 2, 3 });
        using var unblocked = flow.View(data).GetBatch(new long[] { 2, 3 });
        var a = plan.Losses.Single(l => l.Name == "open").Compute(plan.Forward(all), all).item<float>();
        var b = plan.Losses.Single(l => l.Name == "open").Compute(plan.Forward(unblocked), unblocked).item<float>();
        Assert.Equal(b, a, 5);
    }

    [Fact]
    public void A_training_metrics_count_only_samples_where_B_holds_in_the_ground_truth()
    {
        using var data = Scene(Rows);
        using var flow = Compile(Project(), data);
        var plan = flow.ToPlan();
        using var batch = flow.View(data).GetBatch(new long[] { 0, 1, 2, 3 });
        var outputs = plan.Forward(batch);
        var binding = plan.Metrics.Single(m => m.Name == "open.accuracy");
        var metric = binding.Create();
        metric.Update(outputs[binding.Output], batch[binding.Label], batch.Mask(binding.Label));
        // Only samples 2 and 3 count: the accuracy is 0, 0.5 or 1.
        Assert.Contains(metric.Compute(), new[] { 0.0, 0.5, 1.0 });
        var mask = Bools(batch.Mask("open"));
        Assert.Equal(new[] { false, false, true, true }, mask);
    }

    [Fact]
    public void Fixed_task_weights_are_taken_by_path_or_by_name()
    {
        using var data = Scene(Rows);
        using var flow = Compile(Project(), data);
        var plan = flow.ToPlan(new TaskWeighting(TaskWeightingKind.Fixed, new Dictionary<string, double> { ["open"] = 2, ["person.size"] = 0.5, ["kind"] = 3 }));
        Assert.Equal(2, plan.Losses.Single(l => l.Name == "open").Weight);
        Assert.Equal(0.5, plan.Losses.Single(l => l.Name == "person.size").Weight);
        Assert.Equal(3, plan.Losses.Single(l => l.Name == "person.kind").Weight);
        Assert.Equal(1, plan.Losses.Single(l => l.Name == "blocked").Weight);
    }

    [Fact]
    public void Data_without_a_task_label_gives_that_task_an_empty_mask()
    {
        using var full = Scene(Rows);
        using var flow = Compile(Project(), full);
        using var partial = new TensorDataset().WithFeature("x", randn(2, 4)).WithLabel("blocked", tensor(new long[] { 0, 1 }), LabelKind.Class);
        using var batch = flow.View(partial).GetBatch(new long[] { 0, 1 });
        Assert.Equal(new[] { true, true }, Bools(batch.Mask("blocked")));
        Assert.Equal(new[] { false, false }, Bools(batch.Mask("open")));
        var plan = flow.ToPlan();
        var outputs = plan.Forward(batch);
        foreach (var l in plan.Losses) Assert.True(float.IsFinite(l.Compute(outputs, batch).item<float>()), l.Name);
    }

    [Fact]
    public void Uncertainty_weights_are_learned_by_the_trainer()
    {
        using var data = Scene(Enumerable.Repeat(Rows, 16).SelectMany(r => r).ToArray());
        using var flow = Compile(Project(), data);
        var plan = flow.ToPlan(new TaskWeighting(TaskWeightingKind.Uncertainty));
        var loader = new Graft.Data.Batching.BatchLoader(flow.View(data), new Graft.Data.Batching.BatchLoaderOptions(16, Prefetch: 0));
        new Graft.Training.Trainer(new Graft.Training.TrainerOptions(Epochs: 3, Progress: Graft.Training.ProgressMode.None, Monitor: "train.loss",
            Optimizer: new Graft.Training.Optimizers.OptimizerOptions(LearningRate: 0.05))).Fit(plan, loader);
        var logVariance = plan.ExtraParameters.Single(p => p.Name == CompiledFlow.LogVarianceParameter).Parameter;
        var paths = flow.Tasks.Select(t => t.Path).ToList();
        Assert.NotEqual(0f, logVariance[paths.IndexOf("blocked")].item<float>());
        Assert.True(float.IsFinite(logVariance[paths.IndexOf("locked")].item<float>()));
    }
}

public class DelegateTaskTests
{
    [Fact]
    public void A_task_made_of_functions_trains_in_a_flow_under_a_precondition()
    {
        var age = new DelegateTask("size", head: shape => new SizeHead(shape[0]), perSampleLoss: (logits, target) => (logits - target).abs())
        {
            Metrics = new[] { new TaskMetric("mae", () => new Graft.Training.Metrics.MeanAbsoluteError()) },
        };
        var project = new FlowProject(new BinaryTask("present"), age).AddFlow("f", (f, x, o) =>
        {
            o += f["present"](x["x"]);
            o += f["size"](x["x"]) | o["present"];
            return o;
        });
        using var data = Scene((0, 0, 0, 1, 4, 0), (0, 0, 0, 0, -1, -1));
        using var flow = FlowCompiler.Compile(project.Build("f"), Array.Empty<FlowEncoder>(), data.Schema);
        using var batch = flow.View(data).GetBatch(new long[] { 0, 1 });
        Assert.Equal(new[] { true, false }, Bools(batch.Mask("size")));
        var plan = flow.ToPlan();
        var loss = plan.Losses.Single(l => l.Name == "size").Compute(plan.Forward(batch), batch);
        Assert.True(loss.item<float>() > 0);
        Assert.False(age.IsCondition);
    }
}

internal sealed class SizeHead : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear linear;

    public SizeHead(long inputs) : base(nameof(SizeHead))
    {
        linear = nn.Linear(inputs, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => linear.call(input).squeeze(-1);
}

public class ThresholdScoreTests
{
    private static readonly (float P, bool Y)[] Samples = { (0.9f, true), (0.6f, false), (0.4f, true), (0.1f, false) };

    [Theory]
    [InlineData("f1", 0.5, 0.5)]
    [InlineData("accuracy", 0.5, 0.5)]
    [InlineData("precision", 0.5, 0.5)]
    [InlineData("recall", 0.3, 1.0)]
    [InlineData("f1", 0.3, 0.8)]
    public void Tuning_metrics_are_computed_from_the_decisions_at_a_threshold(string metric, double threshold, double expected)
    {
        Assert.Equal(expected, Graft.Flows.Tuning.ThresholdTuner.Score(Samples, threshold, metric), 6);
    }

    [Fact]
    public void An_unknown_tuning_metric_is_refused_with_a_suggestion()
    {
        var e = Assert.Throws<ArgumentException>(() => new Graft.Flows.Tuning.ThresholdTuningOptions("accuracyy").Validate());
        Assert.Contains("accuracy", e.Message);
    }
}
