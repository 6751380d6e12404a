using System.Security.Cryptography;
using Graft.Training;
using Graft.Training.Callbacks;
using Graft.Training.Checkpoints;
using Graft.Training.Optimizers;
using Graft.Training.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using static Graft.Tests.Training.TrainerTestKit;
using static TorchSharp.torch;
using OptimizerOptions = Graft.Training.Optimizers.OptimizerOptions;

namespace Graft.Tests.Training.Checkpoints;

[Collection(TrainerCollection.Name)]
public class CheckpointFileTests
{
    /// <summary>Trains a small MLP for one epoch in <paramref name="folder"/> and returns the model and its last.ckpt.</summary>
    private static (Sequential Model, string Path) Trained(RunFolder folder, OptimizerKind kind = OptimizerKind.Adam)
    {
        using var data = Blobs(32, 40);
        var model = Mlp(initSeed: 41, dropout: 0);
        var options = Quiet(1, folder.Path) with { TensorBoard = false, Curves = false, Optimizer = new OptimizerOptions(kind, LearningRate: 0.05) };
        new Trainer(options).Fit(ClassifierPlan(model), Loader(data));
        return (model, folder.Checkpoint("last.ckpt"));
    }

    [Fact]
    public void Load_weights_restores_every_parameter_and_buffer_exactly()
    {
        using var folder = new RunFolder();
        using var data = Blobs(32, 42);
        manual_seed(1);
        var model = nn.Sequential(("l1", nn.Linear(2, 4)), ("norm", nn.BatchNorm1d(4)), ("l2", nn.Linear(4, 2)));
        new Trainer(Quiet(2, folder.Path) with { TensorBoard = false, Curves = false }).Fit(ClassifierPlan(model), Loader(data));

        manual_seed(2);
        var fresh = nn.Sequential(("l1", nn.Linear(2, 4)), ("norm", nn.BatchNorm1d(4)), ("l2", nn.Linear(4, 2)));
        var state = CheckpointFile.LoadWeights(folder.Checkpoint("last.ckpt"), ClassifierPlan(fresh));

        Assert.Equal(2, state.EpochsCompleted);
        Assert.Equal(2, state.History.Count);
        var expected = model.state_dict();
        var actual = fresh.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.Contains("norm.running_mean", expected.Keys);
        foreach (var (key, t) in expected) Assert.True(SameValues(t, actual[key]), $"'{key}' differs after loading");
    }

    [Fact]
    public void A_flipped_byte_is_reported_as_corrupt_with_sha256_and_the_file_name()
    {
        using var folder = new RunFolder();
        var (_, path) = Trained(folder);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState(path));
        Assert.Contains("last.ckpt", e.Message);
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Equal(path, e.Path);
        Assert.Throws<CheckpointException>(() => CheckpointFile.LoadWeights(path, ClassifierPlan(Mlp(1, 0))));
    }

    [Fact]
    public void A_truncated_checkpoint_is_reported_as_corrupt()
    {
        using var folder = new RunFolder();
        var (_, path) = Trained(folder);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadWeights(path, ClassifierPlan(Mlp(1, 0))));
        Assert.Contains("last.ckpt", e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_or_does_not_exist_is_named()
    {
        using var folder = new RunFolder();
        var other = Path.Combine(folder.Path, "notes.ckpt");
        File.WriteAllText(other, new string('x', 200));
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState(other));
        Assert.Contains("notes.ckpt", e.Message);
        Assert.Contains("not a Graft checkpoint", e.Message);

        var missing = Path.Combine(folder.Path, "missing.ckpt");
        var m = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState(missing));
        Assert.Contains("missing.ckpt", m.Message);
        Assert.Contains("does not exist", m.Message);
    }

    [Fact]
    public void A_consistent_file_with_an_impossible_section_size_is_refused_without_allocating_it()
    {
        using var folder = new RunFolder();
        var path = Path.Combine(folder.Path, "crafted.ckpt");
        using (var ms = new MemoryStream())
        {
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                w.Write("GRAFTCK2"u8.ToArray());
                w.Write(int.MaxValue); // the loop state claims 2 GB
                w.Write(new byte[16]);
            }

            var body = ms.ToArray();
            File.WriteAllBytes(path, body.Concat(SHA256.HashData(body)).ToArray());
        }

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState(path));
        Assert.Contains("crafted.ckpt", e.Message);
        Assert.Contains($"claims {int.MaxValue} bytes", e.Message);
        Assert.Contains("offset 8", e.Message);
    }

    [Fact]
    public void Loading_into_a_model_with_another_module_name_names_both()
    {
        using var folder = new RunFolder();
        var (_, path) = Trained(folder);
        var model = Mlp(1, 0);
        var plan = SupervisedPlan.Create(model, "x", new Graft.Data.LabelInfo("y", Graft.Data.LabelKind.Class, Array.Empty<long>()), moduleName: "encoder");

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadWeights(path, plan));
        Assert.Contains("last.ckpt", e.Message);
        Assert.Contains("module 'model'", e.Message);
        Assert.Contains("encoder", e.Message);
    }

    [Fact]
    public void Loading_into_a_module_of_another_shape_names_the_tensor_and_both_shapes_and_changes_nothing()
    {
        using var folder = new RunFolder();
        var (_, path) = Trained(folder);
        var model = Mlp(initSeed: 5, dropout: 0, outputs: 3);
        var before = Snapshot(model);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadWeights(path, ClassifierPlan(model)));

        Assert.Contains("last.ckpt", e.Message);
        Assert.Contains("module 'model'", e.Message);
        Assert.Contains("'l2.weight'", e.Message);
        Assert.Contains("[2, 16] in the checkpoint", e.Message);
        Assert.Contains("[3, 16] in the module", e.Message);
        // l1 has the same shape in both, but a checkpoint that does not fit loads nothing.
        foreach (var (name, p) in model.named_parameters()) Assert.True(SameValues(before[name], p), $"'{name}' changed by a failed load");
    }

    [Fact]
    public void A_plan_without_the_checkpoints_extra_parameter_is_told_which_one()
    {
        using var folder = new RunFolder();
        using var data = Blobs(32, 43);
        var model = Mlp(initSeed: 6, dropout: 0);
        var plan = ClassifierPlan(model).AddParameter("temperature", new Parameter(ones(1)));
        new Trainer(Quiet(1, folder.Path) with { TensorBoard = false, Curves = false }).Fit(plan, Loader(data));

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadWeights(folder.Checkpoint("last.ckpt"), ClassifierPlan(Mlp(7, 0))));
        Assert.Contains("parameter 'temperature'", e.Message);

        var wrongShape = ClassifierPlan(Mlp(8, 0)).AddParameter("temperature", new Parameter(ones(2)));
        var s = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadWeights(folder.Checkpoint("last.ckpt"), wrongShape));
        Assert.Contains("[1] in the checkpoint", s.Message);
        Assert.Contains("[2] in the plan", s.Message);
    }

    [Fact]
    public void Resuming_with_another_optimizer_is_a_checkpoint_error()
    {
        using var folder = new RunFolder();
        var (_, path) = Trained(folder, OptimizerKind.Sgd);
        using var data = Blobs(32, 44);
        var options = Quiet(2) with { Optimizer = new OptimizerOptions(OptimizerKind.Adam) };

        var model = Mlp(9, 0);
        var before = Snapshot(model);
        var e = Assert.Throws<CheckpointException>(() => new Trainer(options).Fit(ClassifierPlan(model), Loader(data), resumeFrom: path));
        Assert.Contains("last.ckpt", e.Message);
        Assert.Contains("optimizer", e.Message);
        Assert.Contains("SGD", e.Message);
        foreach (var (name, p) in model.named_parameters()) Assert.True(SameValues(before[name], p), $"'{name}' changed by a failed resume");
    }

    [Fact]
    public void Non_finite_metrics_in_the_history_round_trip()
    {
        using var folder = new RunFolder();
        var model = Mlp(10, 0);
        using var optimizer = torch.optim.Adam(model.parameters());
        var metrics = new Dictionary<string, double> { ["train.loss"] = 0.5, ["validation.accuracy"] = double.NaN, ["validation.loss"] = double.PositiveInfinity };
        var state = new CheckpointState(1, 4, 7, new ScheduleState("constant", 4, 1), double.NaN, 0, new List<EpochRecord> { new(0, metrics, 0.001, 0.1) });
        var path = folder.Checkpoint("nan.ckpt");

        CheckpointFile.Write(path, ClassifierPlan(model), optimizer, state);
        var read = CheckpointFile.ReadState(path);

        Assert.Equal(4, read.GlobalStep);
        Assert.Equal(7, read.Seed);
        Assert.True(double.IsNaN(read.BestMonitored!.Value));
        Assert.True(double.IsNaN(read.History[0].Metrics["validation.accuracy"]));
        Assert.Equal(double.PositiveInfinity, read.History[0].Metrics["validation.loss"]);
        Assert.Equal(0.5, read.History[0].Metrics["train.loss"]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp-*"));
    }
}
