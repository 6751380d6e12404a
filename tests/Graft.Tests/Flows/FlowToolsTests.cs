using Graft.Data;
using Graft.Data.Batching;
using Graft.Flows.Composition;
using Graft.Flows.Evaluation;
using Graft.Flows.Explanation;
using Graft.Flows.Tasks;
using Graft.Flows.Tuning;
using Graft.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Flows;

[Collection(Graft.Tests.Training.TrainerCollection.Name)]
public class FlowToolsTests
{
    /// <summary>camera_blocked; door_open | ~camera_blocked; person | door_open (nested: size). Heads read x[0], x[1], x[2] exactly.</summary>
    private static (CompiledFlow Flow, TensorDataset Data) Camera(float[,] x, long[] blocked, long[] open, float[] size)
    {
        var project = new FlowProject(new BinaryTask("camera_blocked"), new BinaryTask("door_open"), new BoundedRegressionTask("size", scale: 10))
            .AddFlow("person", (f, i, o) =>
            {
                o += f["size"](i["x"]);
                return o;
            })
            .AddFlow("scene", (f, i, o) =>
            {
                o += f["camera_blocked"](i["x"]);
                o += f["door_open"](i["x"]) | ~o["camera_blocked"];
                o += f["person"](i["x"]) | o["door_open"];
                return o;
            });
        var data = new TensorDataset().WithFeature("x", tensor(x))
            .WithLabel("camera_blocked", tensor(blocked), LabelKind.Class)
            .WithLabel("door_open", tensor(open), LabelKind.Class)
            .WithLabel("size", tensor(size), LabelKind.Value);
        var flow = FlowCompiler.Compile(project.Build("scene"), Array.Empty<FlowEncoder>(), data.Schema);
        using (no_grad())
        {
            int column = 0;
            foreach (var path in new[] { "camera_blocked", "door_open", "person.size" })
            {
                var weight = flow.Module.named_parameters().Single(p => p.name == $"heads.{FlowModule.Key(path)}.linear.weight").parameter;
                var bias = flow.Module.named_parameters().Single(p => p.name == $"heads.{FlowModule.Key(path)}.linear.bias").parameter;
                weight.zero_();
                weight[0, column++] = 1;
                bias.zero_();
            }
        }

        return (flow, data);
    }

    [Fact]
    public void The_explanation_of_a_blocked_sample_shows_only_camera_blocked_and_an_unblocked_one_the_whole_branch()
    {
        var (flow, data) = Camera(new float[,] { { 5, 0, 0 }, { -5, 4, 1 } }, new long[] { 1, 0 }, new long[] { 0, 1 }, new float[] { 0, 7 });
        using var _ = flow;
        using var batch = data.GetBatch(new long[] { 0, 1 });
        var trees = FlowExplainer.Explain(flow, batch);

        var blocked = FlowExplainer.Render(trees[0]);
        Assert.StartsWith("inp 0\n└── camera_blocked | decoded: [True]", blocked);
        Assert.DoesNotContain("door_open", blocked);
        Assert.DoesNotContain("size", blocked);

        var open = trees[1].Descendants().Select(n => n.Text).ToList();
        Assert.Equal("inp 1", open[0]);
        Assert.StartsWith("camera_blocked | decoded: [False]", open[1]);
        Assert.StartsWith("door_open | decoded: [True]", open[2]);
        Assert.Equal("person", open[3]);
        Assert.StartsWith("size | decoded: [7.31", open[4]);
        // door_open hangs below camera_blocked, the person flow below door_open.
        Assert.Equal("door_open", trees[1].Children[0].Children[0].Text.Split(' ')[0]);
        Assert.Equal("person", trees[1].Children[0].Children[0].Children[0].Text);
    }

    [Fact]
    public void Predictions_say_where_each_task_applies_and_use_tuned_thresholds()
    {
        var (flow, data) = Camera(new float[,] { { 5, 0, 0 }, { -5, 0.5f, 1 } }, new long[] { 1, 0 }, new long[] { 0, 1 }, new float[] { 0, 7 });
        using var _ = flow;
        using var batch = data.GetBatch(new long[] { 0, 1 });
        var p = flow.Predict(batch);
        Assert.Equal(new[] { true, true }, FlowTestKit.Bools(p["camera_blocked"].Applies));
        Assert.Equal(new[] { false, true }, FlowTestKit.Bools(p["door_open"].Applies));
        Assert.Equal(new[] { false, true }, FlowTestKit.Bools(p["person.size"].Applies));
        ((BinaryTask)flow.Node("door_open").Task!).Thresholds = new[] { 0.7 }; // sigmoid(0.5) = 0.62: now "closed"
        var tuned = flow.Predict(batch);
        Assert.False(tuned["door_open"].Decoded[1].item<bool>());
        Assert.Equal(new[] { false, false }, FlowTestKit.Bools(tuned["person.size"].Applies));
    }

    [Fact]
    public void Masked_language_modelling_trains_inside_a_flow_on_sequences()
    {
        var project = new FlowProject(new MaskedLanguageModelTask("tokens", vocabularySize: 4)).AddFlow("f", (f, x, o) =>
        {
            o += f["tokens"](x["sequence"]);
            return o;
        });
        var target = tensor(new long[,] { { 1, -100, 3 }, { -100, -100, -100 }, { 0, 2, -100 } });
        using var data = new TensorDataset().WithFeature("sequence", randn(3, 3, 5, generator: new Generator(1))).WithLabel("tokens", target, LabelKind.Value);
        using var flow = FlowCompiler.Compile(project.Build("f"), Array.Empty<FlowEncoder>(), data.Schema);
        using var batch = flow.View(data).GetBatch(new long[] { 0, 1, 2 });
        Assert.Equal(new[] { true, false, true }, FlowTestKit.Bools(batch.Mask("tokens")));
        var plan = flow.ToPlan();
        var outputs = plan.Forward(batch);
        Assert.Equal(new long[] { 3, 3, 4 }, outputs["tokens"].shape);
        Assert.True(float.IsFinite(plan.Losses[0].Compute(outputs, batch).item<float>()));
        var metric = plan.Metrics.Single().Create();
        metric.Update(outputs[CompiledFlow.MetricOutput("tokens")], batch["tokens"], batch.Mask("tokens"));
        Assert.InRange(metric.Compute(), 0, 1);
    }

    [Fact]
    public void A_closed_door_prunes_the_person_branch_but_keeps_door_open()
    {
        var (flow, data) = Camera(new float[,] { { -5, -4, 1 } }, new long[] { 0 }, new long[] { 0 }, new float[] { 0 });
        using var _ = flow;
        using var batch = data.GetBatch(new long[] { 0 });
        var text = FlowExplainer.Render(FlowExplainer.Explain(flow, batch)[0]);
        Assert.Contains("door_open | decoded: [False]", text);
        Assert.DoesNotContain("person", text);
    }

    [Fact]
    public void Evaluation_counts_samples_by_ground_truth_or_by_predicted_preconditions()
    {
        // Sample 0: truly blocked but predicted unblocked; sample 1: truly unblocked, predicted unblocked; sample 2: blocked both ways.
        var (flow, data) = Camera(new float[,] { { -5, 4, 1 }, { -5, 4, 1 }, { 5, 4, 1 } }, new long[] { 1, 0, 1 }, new long[] { 1, 1, 1 }, new float[] { 7, 7, 7 });
        using var _ = flow;
        var byTruth = FlowEvaluator.Evaluate(flow, data);
        var byPrediction = FlowEvaluator.Evaluate(flow, data, source: PreconditionSource.Predictions);
        Assert.Equal(3, byTruth.Rows.First(r => r.TaskPath == "camera_blocked").Samples);
        Assert.Equal(1, byTruth.Rows.First(r => r.TaskPath == "door_open").Samples);
        Assert.Equal(2, byPrediction.Rows.First(r => r.TaskPath == "door_open").Samples);
        Assert.Equal(2.0 / 3, byTruth["camera_blocked", "accuracy"], 6);
        Assert.Equal(1, byTruth["person.size", "mae"] < 0.5 ? 1 : 0);
        Assert.Contains("task_path,metric,value,samples\ncamera_blocked,accuracy,0.666667,3\n", byTruth.ToCsv());
        Assert.Contains("| 0 | camera_blocked | accuracy | 0.666667 | 3 |", byTruth.ToMarkdown());
    }

    [Fact]
    public void Tuning_a_shifted_threshold_improves_f1_and_ignores_samples_whose_precondition_fails()
    {
        // door_open truly means x[1] > 1, while the untuned decoder says x[1] > 0. Blocked samples carry misleading labels.
        var rng = new Random(1);
        int n = 400;
        var x = new float[n, 3];
        var blocked = new long[n];
        var open = new long[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 1] = (float)(rng.NextDouble() * 6 - 3);
            blocked[i] = i % 4 == 0 ? 1 : 0;
            x[i, 0] = blocked[i] == 1 ? 5 : -5;
            open[i] = blocked[i] == 1 ? 1 : x[i, 1] > 1 ? 1 : 0;
        }

        var (flow, data) = Camera(x, blocked, open, new float[n]);
        using var _ = flow;
        double before = FlowEvaluator.Evaluate(flow, data)["door_open", "f1"];
        var tuned = ThresholdTuner.Tune(flow, data);
        double after = FlowEvaluator.Evaluate(flow, data)["door_open", "f1"];
        Assert.True(after > before + 0.1, $"F1 before {before}, after {after}");
        Assert.InRange(tuned["door_open"][0], 0.70, 0.76); // sigmoid(1) = 0.731
        Assert.Equal(tuned["door_open"], ((BinaryTask)flow.Node("door_open").Task!).Thresholds);

        var file = Path.Combine(Path.GetTempPath(), "graft-thresholds-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            ThresholdTuner.Save(file, tuned);
            ((BinaryTask)flow.Node("door_open").Task!).Thresholds = new[] { 0.5 };
            ThresholdTuner.Load(file, flow);
            Assert.Equal(tuned["door_open"], ((BinaryTask)flow.Node("door_open").Task!).Thresholds);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Interpretations_rank_only_samples_whose_preconditions_hold()
    {
        var (flow, data) = Camera(new float[,] { { -5, 4, 0 }, { -5, 4, 2 }, { 5, 4, 0 } }, new long[] { 0, 0, 1 }, new long[] { 1, 1, 1 }, new float[] { 5, 5, 5 });
        using var _ = flow;
        var size = FlowInterpreter.Interpret(flow, data, count: 1).Single(i => i.TaskPath == "person.size");
        Assert.Equal(2, size.Samples);
        Assert.Equal(0, size.Best[0].Index);  // sigmoid(0) * 10 = 5: exact
        Assert.Equal(1, size.Worst[0].Index);
        Assert.Contains("| person.size | 2 |", FlowInterpreter.ToMarkdown(new[] { size }));
    }

    [Fact]
    public void Two_datasets_labelled_for_different_tasks_train_one_model()
    {
        TensorDataset Part(int seed, string label, int column)
        {
            var x = randn(300, 4, generator: new Generator((ulong)seed));
            return new TensorDataset().WithFeature("x", x).WithLabel(label, x[.., column].gt(0).to_type(ScalarType.Int64), LabelKind.Class);
        }

        using var doors = Part(1, "door_open", 0);
        using var people = Part(2, "person_present", 1);
        using var both = DatasetConcatenation.Concatenate(doors, people);
        Assert.Equal(600, both.Count);
        Assert.Equal(300, both.Label("door_open").MissingCount);

        var project = new FlowProject(new BinaryTask("door_open"), new BinaryTask("person_present")).AddFlow("f", (f, x, o) =>
        {
            o += f["door_open"](x["x"]);
            o += f["person_present"](x["x"]);
            return o;
        });
        manual_seed(0);
        using var flow = FlowCompiler.Compile(project.Build("f"), Array.Empty<FlowEncoder>(), both.Schema);
        var loader = new BatchLoader(flow.View(both), new BatchLoaderOptions(32, Seed: 1, Prefetch: 0));
        var optimizer = new Graft.Training.Optimizers.OptimizerOptions(LearningRate: 0.05);
        new Trainer(new TrainerOptions(Epochs: 5, Progress: ProgressMode.None, Optimizer: optimizer, Monitor: "train.loss")).Fit(flow.ToPlan(), loader);

        var x = randn(200, 4, generator: new Generator(9));
        using var test = new TensorDataset().WithFeature("x", x)
            .WithLabel("door_open", x[.., 0].gt(0).to_type(ScalarType.Int64), LabelKind.Class)
            .WithLabel("person_present", x[.., 1].gt(0).to_type(ScalarType.Int64), LabelKind.Class);
        var evaluation = FlowEvaluator.Evaluate(flow, test);
        Assert.True(evaluation["door_open", "accuracy"] > 0.9, evaluation.ToMarkdown());
        Assert.True(evaluation["person_present", "accuracy"] > 0.9, evaluation.ToMarkdown());
    }
}
