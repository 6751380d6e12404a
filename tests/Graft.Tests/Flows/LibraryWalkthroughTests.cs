using Graft.Data.Batching;
using Graft.Data.Splits;
using Graft.Flows.Composition;
using Graft.Flows.Evaluation;
using Graft.Flows.Explanation;
using Graft.Flows.Synthetic;
using Graft.Flows.Tasks;
using Graft.Flows.Tuning;
using Graft.Models.Builders;
using Graft.Training;
using static TorchSharp.torch;

namespace Graft.Tests.Flows;

[Collection(Graft.Tests.Training.TrainerCollection.Name)]
public class LibraryWalkthroughTests
{
    [Fact]
    public void The_readme_walkthrough_runs_on_synthetic_scenes()
    {
        using var data = SecurityCameraScenes.Generate(400, seed: 3);
        var project = new FlowProject(
            new BinaryTask("camera_blocked"), new BinaryTask("door_open"), new BinaryTask("person_present"),
            new BoundedRegressionTask("face_x1", scale: 32), new ClassificationTask("shirt_type", 7));
        project.AddFlow("person", (f, x, o) =>
        {
            o += f["face_x1"](x["features"]);
            o += f["shirt_type"](x["features"]);
            return o;
        });
        project.AddFlow("full_flow", (f, x, o) =>
        {
            o += f["camera_blocked"](x["features"]);
            o += f["door_open"](x["features"]) | ~o["camera_blocked"];
            o += f["person_present"](x["features"]) | o["door_open"];
            o += f["person"](x["features"]) | o["person_present"];
            return o;
        });

        manual_seed(0);
        var backbone = new SmallCnn(3, 32, classes: 32, width: 8, hidden: 32, dropout: 0);
        using var flow = FlowCompiler.Compile(project.Build("full_flow"), new[] { new FlowEncoder("features", "image", backbone) }, data.Schema);
        var split = DatasetSplit.Create(data, new SplitOptions(0.25, 0.25, Seed: 1));
        var plan = flow.ToPlan(new TaskWeighting(TaskWeightingKind.Uncertainty));
        var view = flow.View(data);
        var result = new Trainer(new TrainerOptions(Epochs: 2, Progress: ProgressMode.None, Optimizer: new Graft.Training.Optimizers.OptimizerOptions(LearningRate: 0.003)))
            .Fit(plan, new BatchLoader(view, new BatchLoaderOptions(32, Seed: 1), split.Train), new BatchLoader(view, new BatchLoaderOptions(128, Shuffle: false), split.Validation));
        Assert.True(double.IsFinite(result.Final["validation.loss"]));
        Assert.Contains("validation.person.face_x1.mae_scaled", result.Final.Keys);

        var evaluation = FlowEvaluator.Evaluate(flow, data, split.Test, PreconditionSource.Predictions);
        Assert.Equal(new[] { "camera_blocked", "door_open", "person_present", "person.face_x1", "person.shirt_type" }, evaluation.Rows.Select(r => r.TaskPath).Distinct());
        ThresholdTuner.Tune(flow, data, split.Validation);
        using var batch = data.GetBatch(split.Test.Take(2).ToArray());
        Assert.Equal(2, FlowExplainer.Explain(flow, batch).Count);
        Assert.Equal(5, flow.Predict(batch).Count);
    }
}
