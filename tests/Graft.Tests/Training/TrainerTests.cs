using Graft.Data;
using Graft.Data.Augmentation;
using Graft.Training;
using Graft.Training.Callbacks;
using Graft.Training.Checkpoints;
using Graft.Training.Losses;
using Graft.Training.Optimizers;
using Graft.Training.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using TensorDataset = Graft.Data.TensorDataset;
using OptimizerOptions = Graft.Training.Optimizers.OptimizerOptions;
using static Graft.Tests.Training.TrainerTestKit;
using static TorchSharp.torch;

namespace Graft.Tests.Training;

[Collection(TrainerCollection.Name)]
public class TrainerTests
{
    // ---- learning -------------------------------------------------------------------------------------------------

    [Fact]
    public void Learns_a_linearly_separable_two_class_problem()
    {
        using var train = Blobs(200, seed: 1);
        using var validation = Blobs(100, seed: 2);
        var model = ZeroLinear();
        Assert.Equal(0.5, EvaluateClassifier(model, validation)["accuracy"], 6);

        var result = new Trainer(Quiet(5)).Fit(ClassifierPlan(model), Loader(train), Loader(validation, 64, shuffle: false));

        Assert.Equal(5, result.History.Count);
        Assert.True(result.Final["train.accuracy"] > 0.95, $"train accuracy {result.Final["train.accuracy"]}");
        Assert.True(result.Final["validation.accuracy"] > 0.95, $"validation accuracy {result.Final["validation.accuracy"]}");
        Assert.True(EvaluateClassifier(model, validation)["accuracy"] > 0.95);
        Assert.True(result.History[^1].Metrics["train.loss"] < result.History[0].Metrics["train.loss"]);
    }

    // ---- two inputs, dictionary outputs, weighted losses -------------------------------------------------------------

    private sealed class TwoHeadNet : nn.Module
    {
        private readonly Linear trunk;
        private readonly Linear classHead;
        private readonly Linear valueHead;

        public TwoHeadNet() : base("two_heads")
        {
            trunk = nn.Linear(5, 16);
            classHead = nn.Linear(16, 2);
            valueHead = nn.Linear(16, 1);
            RegisterComponents();
        }

        public Linear Trunk => trunk;
        public Linear ClassHead => classHead;
        public Linear ValueHead => valueHead;

        public IReadOnlyDictionary<string, Tensor> Forward(Tensor a, Tensor b)
        {
            var h = nn.functional.relu(trunk.call(cat(new[] { a, b }, 1)));
            return new Dictionary<string, Tensor> { ["logits"] = classHead.call(h), ["value"] = valueHead.call(h) };
        }
    }

    /// <summary>Inputs <c>a</c> [N, 3] and <c>b</c> [N, 2]; class label <c>cls</c> = a0 + b0 &gt; 0; value label <c>value</c> = a1 − 2·b1 + 0.5.</summary>
    private static TensorDataset TwoInputs(int n, long seed)
    {
        using var g = new Generator((ulong)seed, CPU);
        var a = randn(new long[] { n, 3 }, generator: g);
        var b = randn(new long[] { n, 2 }, generator: g);
        var cls = (a.select(1, 0) + b.select(1, 0)).gt(0).to_type(ScalarType.Int64);
        var value = a.select(1, 1) - b.select(1, 1) * 2 + 0.5f;
        return new TensorDataset().WithFeature("a", a).WithFeature("b", b).WithLabel("cls", cls, LabelKind.Class).WithLabel("value", value, LabelKind.Value);
    }

    private static TrainingPlan TwoHeadPlan(TwoHeadNet net, double classWeight, double valueWeight) =>
        new TrainingPlan()
            .AddModule("net", net)
            .WithForward(b => net.Forward(b["a"], b["b"]))
            .AddLoss("class", CrossEntropy("logits", "cls"), classWeight)
            .AddLoss("value", (o, b) => MaskedLosses.MeanSquaredError(o["value"], b["value"], b.Mask("value")), valueWeight)
            .AddMetric("accuracy", AccuracyMetric, "logits", "cls");

    [Fact]
    public void Two_inputs_and_two_weighted_losses_train_both_heads_and_log_every_term()
    {
        using var train = TwoInputs(192, 3);
        using var validation = TwoInputs(64, 4);
        manual_seed(11);
        var net = new TwoHeadNet();
        var plan = TwoHeadPlan(net, classWeight: 1.0, valueWeight: 0.5);
        var validationLoader = Loader(validation, 64, shuffle: false);
        var before = Trainer.Evaluate(plan, validationLoader);

        var result = new Trainer(Quiet(8, lr: 0.02)).Fit(plan, Loader(train), validationLoader);

        var first = result.History[0].Metrics;
        var last = result.Final;
        foreach (var key in new[] { "train.loss", "train.loss.class", "train.loss.value", "train.accuracy", "validation.loss", "validation.loss.class", "validation.loss.value", "validation.accuracy" })
            Assert.Contains(key, (IDictionary<string, double>)last);
        Assert.True(last["train.loss.class"] < 0.7 * first["train.loss.class"], $"class loss {first["train.loss.class"]} -> {last["train.loss.class"]}");
        Assert.True(last["train.loss.value"] < 0.7 * first["train.loss.value"], $"value loss {first["train.loss.value"]} -> {last["train.loss.value"]}");
        Assert.True(last["validation.loss.class"] < 0.5 * before["loss.class"], $"validation class loss {before["loss.class"]} -> {last["validation.loss.class"]}");
        Assert.True(last["validation.loss.value"] < 0.5 * before["loss.value"], $"validation value loss {before["loss.value"]} -> {last["validation.loss.value"]}");
        // The total is the weighted sum of the terms.
        foreach (var record in result.History)
        {
            var m = record.Metrics;
            Assert.True(RelativeDifference(m["train.loss"], m["train.loss.class"] + 0.5 * m["train.loss.value"]) < 1e-5);
            Assert.True(RelativeDifference(m["validation.loss"], m["validation.loss.class"] + 0.5 * m["validation.loss.value"]) < 1e-5);
        }
    }

    [Fact]
    public void A_loss_weight_of_zero_leaves_the_head_that_term_alone_drives_unchanged()
    {
        using var train = TwoInputs(128, 5);
        manual_seed(12);
        var net = new TwoHeadNet();
        var valueHead = Snapshot(net.ValueHead);
        var classHead = Snapshot(net.ClassHead);
        var trunk = Snapshot(net.Trunk);

        var result = new Trainer(Quiet(3, lr: 0.02)).Fit(TwoHeadPlan(net, classWeight: 1.0, valueWeight: 0.0), Loader(train));

        Assert.Contains("train.loss.value", (IDictionary<string, double>)result.Final);
        foreach (var (name, p) in net.ValueHead.named_parameters())
            Assert.True(SameValues(valueHead[name], p), $"value head '{name}' changed although its loss weight is 0");
        Assert.Contains(net.ClassHead.named_parameters(), p => !SameValues(classHead[p.name], p.parameter));
        Assert.Contains(net.Trunk.named_parameters(), p => !SameValues(trunk[p.name], p.parameter));
        Assert.True(RelativeDifference(result.Final["train.loss"], result.Final["train.loss.class"]) < 1e-6);
    }

    // ---- parameter groups and extra parameters ---------------------------------------------------------------------

    private static (TrainingPlan Plan, Linear L1, Linear L2, Parameter Scale) GroupedPlan(long initSeed, bool slowFirstLayer)
    {
        manual_seed(initSeed);
        var l1 = nn.Linear(2, 8);
        var l2 = nn.Linear(8, 2);
        var model = nn.Sequential(("l1", l1), ("relu", nn.ReLU()), ("l2", l2));
        var scale = new Parameter(ones(1));
        var plan = new TrainingPlan()
            .AddModule("model", model)
            .WithForward(b => new Dictionary<string, Tensor> { ["logits"] = model.call(b["x"]) * scale })
            .AddLoss("cross_entropy", CrossEntropy("logits", "y"))
            .AddMetric("accuracy", AccuracyMetric, "logits", "y")
            .AddParameter("scale", scale);
        if (slowFirstLayer) plan.AddParameterGroup("first_layer", l1.parameters(), learningRate: 0);
        return (plan, l1, l2, scale);
    }

    [Fact]
    public void A_parameter_group_with_learning_rate_zero_stays_unchanged_while_the_rest_and_extra_parameters_train()
    {
        using var folder = new RunFolder();
        using var train = Blobs(96, 8);
        var (plan, l1, l2, scale) = GroupedPlan(31, slowFirstLayer: true);
        var first = Snapshot(l1);
        var second = Snapshot(l2);

        new Trainer(Quiet(3, folder.Path) with { TensorBoard = false, Curves = false }).Fit(plan, Loader(train));

        foreach (var (name, p) in l1.named_parameters()) Assert.True(SameValues(first[name], p), $"l1.{name} moved with learning rate 0");
        Assert.Contains(l2.named_parameters(), p => !SameValues(second[p.name], p.parameter));
        Assert.NotEqual(1f, scale.item<float>());

        // The extra parameter and the modules come back from the checkpoint into a fresh plan.
        var (fresh, freshL1, freshL2, freshScale) = GroupedPlan(99, slowFirstLayer: true);
        Assert.Equal(1f, freshScale.item<float>());
        var state = CheckpointFile.LoadWeights(folder.Checkpoint("last.ckpt"), fresh);
        Assert.Equal(3, state.EpochsCompleted);
        Assert.Equal(scale.item<float>(), freshScale.item<float>());
        foreach (var (name, p) in l1.named_parameters()) Assert.True(SameValues(p, freshL1.get_parameter(name)!));
        foreach (var (name, p) in l2.named_parameters()) Assert.True(SameValues(p, freshL2.get_parameter(name)!));
    }

    [Fact]
    public void Parameter_groups_keep_their_own_rate_and_the_default_group_gets_the_optimizer_rate()
    {
        using var train = Blobs(64, 9);
        var (plan, l1, _, _) = GroupedPlan(32, slowFirstLayer: false);
        plan.AddParameterGroup("first_layer", l1.parameters(), learningRate: 0.5);
        var groups = plan.ResolveParameterGroups();
        Assert.Equal(new[] { "default", "first_layer" }, groups.Select(g => g.Name));
        Assert.Null(groups[0].LearningRate);
        Assert.Equal(0.5, groups[1].LearningRate);

        var result = new Trainer(Quiet(1, lr: 0.01)).Fit(plan, Loader(train));
        Assert.Equal(0.01, result.History[0].LearningRate, 12);
    }

    // ---- resume ------------------------------------------------------------------------------------------------------

    private sealed class StopAfter(int epochs) : ITrainerCallback
    {
        public void OnEpochEnd(TrainingContext context, EpochRecord record)
        {
            if (record.Epoch + 1 >= epochs) context.RequestStop();
        }
    }

    private static TrainerOptions ResumeOptions(string dir) =>
        new(Epochs: 4, Seed: 21, Threads: 1,
            Optimizer: new OptimizerOptions(OptimizerKind.Adam, LearningRate: 0.02),
            Schedule: new ScheduleOptions(ScheduleKind.OneCycle),
            RunDirectory: dir, TensorBoard: false, Curves: false, Progress: ProgressMode.None);

    private static Graft.Data.Batching.BatchLoader AugmentedLoader(IDataset data) =>
        Loader(data, batchSize: 16, shuffle: true, seed: 21, prefetch: 2,
            augmentations: new[] { new FeatureAugmentation("x", new IBatchAugmentation[] { new GaussianNoise(0.2, clamp01: false) }) });

    [Fact]
    public void Resuming_from_last_checkpoint_gives_the_losses_and_weights_of_an_uninterrupted_run()
    {
        using var a = new RunFolder();
        using var b = new RunFolder();
        using var train = Blobs(96, 10);
        using var validation = Blobs(32, 11);

        var modelA = Mlp(initSeed: 123, dropout: 0.3);
        var full = new Trainer(ResumeOptions(a.Path)).Fit(ClassifierPlan(modelA), AugmentedLoader(train), Loader(validation, 32, shuffle: false));

        var modelB = Mlp(initSeed: 123, dropout: 0.3);
        var interrupted = new Trainer(ResumeOptions(b.Path), new[] { new StopAfter(2) })
            .Fit(ClassifierPlan(modelB), AugmentedLoader(train), Loader(validation, 32, shuffle: false));
        Assert.Equal(2, interrupted.History.Count);
        Assert.False(interrupted.StoppedEarly);
        Assert.Equal(2, CheckpointFile.ReadState(b.Checkpoint("last.ckpt")).EpochsCompleted);

        // A fresh process would build the model anew: a different initialisation, overwritten by the checkpoint.
        var modelC = Mlp(initSeed: 999, dropout: 0.3);
        var resumed = new Trainer(ResumeOptions(b.Path))
            .Fit(ClassifierPlan(modelC), AugmentedLoader(train), Loader(validation, 32, shuffle: false), resumeFrom: b.Checkpoint("last.ckpt"));

        Assert.Equal(4, full.History.Count);
        Assert.Equal(4, resumed.History.Count);
        for (int e = 0; e < 4; e++)
        {
            Assert.Equal(e, resumed.History[e].Epoch);
            foreach (var key in new[] { "train.loss", "validation.loss" })
            {
                double expected = full.History[e].Metrics[key], actual = resumed.History[e].Metrics[key];
                Assert.True(RelativeDifference(expected, actual) < 1e-6, $"epoch {e + 1} {key}: uninterrupted {expected:R}, resumed {actual:R}");
            }

            Assert.Equal(full.History[e].LearningRate, resumed.History[e].LearningRate, 12);
        }

        var finalA = Snapshot(modelA);
        foreach (var (name, p) in modelC.named_parameters())
            Assert.True(SameValues(finalA[name], p), $"final weight '{name}' differs after resuming");
    }

    // ---- NaN guard ---------------------------------------------------------------------------------------------------

    /// <summary>Writes NaN into one row of the training data once the first epoch has finished.</summary>
    private sealed class PoisonAfterFirstEpoch(Tensor features, int row) : ITrainerCallback
    {
        public void OnEpochEnd(TrainingContext context, EpochRecord record)
        {
            if (record.Epoch != 0) return;
            using var slice = features.narrow(0, row, 1);
            slice.fill_(float.NaN);
        }
    }

    [Fact]
    public void A_NaN_in_the_data_stops_training_naming_epoch_and_step_and_the_last_good_checkpoint()
    {
        using var folder = new RunFolder();
        using var train = Blobs(64, 12);
        var model = Mlp(initSeed: 5, dropout: 0);
        var trainer = new Trainer(Quiet(3, folder.Path) with { TensorBoard = false, Curves = false }, new[] { new PoisonAfterFirstEpoch(train.Feature("x"), row: 19) });

        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(ClassifierPlan(model), Loader(train, batchSize: 8, shuffle: false)));

        Assert.Equal(1, e.Epoch);
        Assert.Equal(2, e.Step); // row 19 is in the third batch of 8
        Assert.Contains("epoch 2, step 3", e.Message);
        Assert.Contains("loss", e.Message);
        Assert.Equal(folder.Checkpoint("last.ckpt"), e.LastCheckpoint);
        Assert.Contains(e.LastCheckpoint!, e.Message);
        Assert.True(File.Exists(e.LastCheckpoint));
        Assert.Equal(1, CheckpointFile.ReadState(e.LastCheckpoint!).EpochsCompleted);

        var restored = Mlp(initSeed: 77, dropout: 0);
        CheckpointFile.LoadWeights(e.LastCheckpoint!, ClassifierPlan(restored));
        foreach (var (name, p) in restored.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"restored '{name}' is not finite");
    }

    [Fact]
    public void A_NaN_in_the_first_epoch_reports_no_checkpoint_even_when_an_older_run_left_one()
    {
        using var folder = new RunFolder();
        using (var clean = Blobs(32, 13))
            new Trainer(Quiet(1, folder.Path) with { TensorBoard = false, Curves = false }).Fit(ClassifierPlan(Mlp(1, 0)), Loader(clean));
        Assert.True(File.Exists(folder.Checkpoint("last.ckpt")));

        using var train = Blobs(32, 14);
        using (var row = train.Feature("x").narrow(0, 3, 1)) row.fill_(float.NaN);
        var e = Assert.Throws<NonFiniteLossException>(() =>
            new Trainer(Quiet(2, folder.Path) with { TensorBoard = false, Curves = false }).Fit(ClassifierPlan(Mlp(2, 0)), Loader(train, batchSize: 8, shuffle: false)));

        Assert.Equal(0, e.Epoch);
        Assert.Equal(0, e.Step);
        Assert.Null(e.LastCheckpoint);
        Assert.Contains("epoch 1, step 1", e.Message);
        Assert.Contains("No checkpoint was written", e.Message);
    }

    [Fact]
    public void A_huge_learning_rate_stops_training_with_a_non_finite_loss()
    {
        using var g = new Generator(15, CPU);
        var x = randn(new long[] { 64, 2 }, generator: g);
        var y = x.select(1, 0) - x.select(1, 1);
        using var data = new TensorDataset().WithFeature("x", x).WithLabel("y", y, LabelKind.Value);
        manual_seed(4);
        var plan = SupervisedPlan.Create(nn.Linear(2, 1), "x", data.Schema.Label("y"));
        var options = Quiet(3) with { Optimizer = new OptimizerOptions(OptimizerKind.Sgd, LearningRate: 1e30) };

        var e = Assert.Throws<NonFiniteLossException>(() => new Trainer(options).Fit(plan, Loader(data, batchSize: 8, shuffle: false)));

        Assert.Equal(0, e.Epoch);
        Assert.InRange(e.Step, 1, 7);
        Assert.Contains($"epoch 1, step {e.Step + 1}", e.Message);
        Assert.Contains("learning rate", e.Message);
    }

    // ---- early stopping ----------------------------------------------------------------------------------------------

    [Fact]
    public void Early_stopping_on_a_metric_that_cannot_improve_stops_early_and_best_checkpoint_holds_the_best_epoch()
    {
        using var folder = new RunFolder();
        using var train = Blobs(96, 16);
        // The validation labels are the opposite of the training labels: the better the fit, the worse the validation loss.
        using var validation = Blobs(48, 17, flipLabels: true);
        var model = ZeroLinear();
        var options = Quiet(10, folder.Path) with { EarlyStopping = new EarlyStoppingOptions(Patience: 2), TensorBoard = false, Curves = false };

        var result = new Trainer(options).Fit(ClassifierPlan(model), Loader(train), Loader(validation, 48, shuffle: false));

        Assert.True(result.StoppedEarly);
        var losses = result.History.Select(r => r.Metrics["validation.loss"]).ToList();
        int bestEpoch = losses.IndexOf(losses.Min());
        Assert.Equal(bestEpoch + 1 + 2, result.History.Count);
        Assert.True(result.History.Count < 10);
        Assert.Equal(losses[bestEpoch], result.BestMonitored);
        Assert.Equal(folder.Checkpoint("best.ckpt"), result.BestCheckpoint);
        Assert.Equal(bestEpoch + 1, CheckpointFile.ReadState(result.BestCheckpoint!).EpochsCompleted);
        Assert.Equal(result.History.Count, CheckpointFile.ReadState(result.LastCheckpoint!).EpochsCompleted);

        var best = ZeroLinear();
        CheckpointFile.LoadWeights(result.BestCheckpoint!, ClassifierPlan(best));
        var again = EvaluateClassifier(best, validation)["loss"];
        Assert.True(RelativeDifference(losses[bestEpoch], again) < 1e-6, $"best epoch loss {losses[bestEpoch]}, best.ckpt gives {again}");
    }

    [Fact]
    public void Early_stopping_on_a_validation_metric_without_validation_data_is_refused()
    {
        using var train = Blobs(16, 18);
        var options = Quiet(3) with { EarlyStopping = new EarlyStoppingOptions(Patience: 1) };
        var e = Assert.Throws<ArgumentException>(() => new Trainer(options).Fit(ClassifierPlan(ZeroLinear()), Loader(train)));
        Assert.Contains("validation.loss", e.Message);
        Assert.Contains("no validation data", e.Message);
    }

    [Fact]
    public void Monitoring_a_metric_the_plan_does_not_have_names_the_metrics_it_has()
    {
        using var train = Blobs(16, 18);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Quiet(1) with { Monitor = "validation.f1" }).Fit(ClassifierPlan(ZeroLinear()), Loader(train)));
        Assert.Contains("f1", e.Message);
        Assert.Contains("accuracy", e.Message);
    }

    // ---- memory ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Records live tensors after each epoch: TorchSharp's process-wide count of managed tensors not yet disposed or
    /// finalized (after a full collection, so only reachable tensors remain), and the training thread's count of
    /// tensors created minus tensors disposed on it (finalizers run elsewhere, so tensors left to the GC show up).
    /// </summary>
    private sealed class LiveTensorProbe : ITrainerCallback
    {
        public List<long> Total { get; } = new();
        public List<long> Thread { get; } = new();

        public void OnEpochEnd(TrainingContext context, EpochRecord record)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Total.Add(torch.Tensor.TotalCount);
            Thread.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Live_tensors_stay_flat_across_epochs(int prefetch)
    {
        using var folder = new RunFolder();
        using var train = TwoInputs(64, 19);
        using var validation = TwoInputs(32, 20);
        manual_seed(13);
        var net = new TwoHeadNet();
        var weight = new Parameter(ones(1));
        var plan = TwoHeadPlan(net, 1.0, 0.5).AddParameter("task_weight", weight);
        var probe = new LiveTensorProbe();
        var options = Quiet(6, folder.Path, lr: 0.01) with { Schedule = new ScheduleOptions(ScheduleKind.Cosine), GradientClipNorm = 1.0 };

        new Trainer(options, new[] { probe }).Fit(plan, Loader(train, 16, shuffle: true, prefetch: prefetch), Loader(validation, 16, shuffle: false, prefetch: prefetch));

        Assert.Equal(6, probe.Total.Count);
        Assert.True(probe.Total[1] == probe.Total[4], $"live tensors after each epoch: {string.Join(", ", probe.Total)}");
        // Batches prepared on the prefetch thread are counted there but disposed here: the thread count is exact without prefetching only.
        if (prefetch == 0)
            Assert.True(probe.Thread[1] == probe.Thread[4], $"tensors created minus disposed on the training thread after each epoch: {string.Join(", ", probe.Thread)}");
    }

    // ---- run directory -----------------------------------------------------------------------------------------------

    [Fact]
    public void The_run_directory_gets_metrics_json_curves_tensorboard_events_and_checkpoints()
    {
        using var folder = new RunFolder();
        using var train = Blobs(64, 21);
        using var validation = Blobs(32, 22);
        var result = new Trainer(Quiet(3, folder.Path)).Fit(ClassifierPlan(ZeroLinear()), Loader(train), Loader(validation, 32, shuffle: false));

        // metrics.json: every epoch with every metric.
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "metrics.json"))))
        {
            var epochs = doc.RootElement.GetProperty("epochs").EnumerateArray().ToList();
            Assert.Equal(3, epochs.Count);
            for (int e = 0; e < 3; e++)
            {
                Assert.Equal(e + 1, epochs[e].GetProperty("epoch").GetInt32());
                var metrics = epochs[e].GetProperty("metrics");
                Assert.Equal(result.History[e].Metrics.Keys.Order(), metrics.EnumerateObject().Select(p => p.Name).Order());
                foreach (var (key, value) in result.History[e].Metrics)
                    Assert.Equal(value, metrics.GetProperty(key).GetDouble(), 12);
                Assert.Equal(result.History[e].LearningRate, epochs[e].GetProperty("learning_rate").GetDouble(), 12);
            }

            Assert.Equal(new[] { "train.accuracy", "train.loss", "validation.accuracy", "validation.loss" }, epochs[0].GetProperty("metrics").EnumerateObject().Select(p => p.Name).Order());
        }

        // curves.png: a PNG.
        var png = File.ReadAllBytes(Path.Combine(folder.Path, "curves.png"));
        Assert.True(png.Length > 100);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);

        // TensorBoard: one event file per split, each tag at steps 1..3 with the logged values.
        var expected = new Dictionary<string, string[]>
        {
            ["train"] = new[] { "accuracy", "learning_rate", "loss" },
            ["validation"] = new[] { "accuracy", "loss" },
        };
        foreach (var (split, tags) in expected)
        {
            var files = Graft.Training.Logging.TensorBoard.TensorBoardEventReader.FindEventFiles(Path.Combine(folder.Path, "tensorboard", split));
            Assert.Single(files);
            var scalars = Graft.Training.Logging.TensorBoard.TensorBoardEventReader.ReadScalars(files[0]);
            Assert.Equal(tags, scalars.Select(s => s.Tag).Distinct().Order());
            foreach (var tag in tags)
            {
                var series = scalars.Where(s => s.Tag == tag).ToList();
                Assert.Equal(new long[] { 1, 2, 3 }, series.Select(s => s.Step));
                for (int e = 0; e < 3; e++)
                {
                    double logged = tag == "learning_rate" ? result.History[e].LearningRate : result.History[e].Metrics[split + "." + tag];
                    Assert.Equal((float)logged, (float)series[e].Value);
                }
            }
        }

        Assert.True(File.Exists(folder.Checkpoint("last.ckpt")));
        Assert.True(File.Exists(folder.Checkpoint("best.ckpt")));
        Assert.Equal(folder.Checkpoint("last.ckpt"), result.LastCheckpoint);
        Assert.Equal(3, CheckpointFile.ReadState(result.LastCheckpoint!).EpochsCompleted);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Without_a_run_directory_nothing_is_written_and_no_checkpoint_is_reported()
    {
        using var train = Blobs(32, 23);
        var result = new Trainer(Quiet(1)).Fit(ClassifierPlan(ZeroLinear()), Loader(train));
        Assert.Null(result.LastCheckpoint);
        Assert.Null(result.BestCheckpoint);
        Assert.Single(result.History);
    }

    // ---- reproducibility ---------------------------------------------------------------------------------------------

    private static List<double> Losses(long seed)
    {
        using var data = Blobs(96, 24);
        var model = Mlp(initSeed: 3, dropout: 0.3);
        var loader = Loader(data, 16, shuffle: true, seed: seed, prefetch: 2,
            augmentations: new[] { new FeatureAugmentation("x", new IBatchAugmentation[] { new GaussianNoise(0.2, clamp01: false) }) });
        var result = new Trainer(Quiet(3, lr: 0.02) with { Seed = seed }).Fit(ClassifierPlan(model), loader);
        return result.History.Select(r => r.Metrics["train.loss"]).ToList();
    }

    [Fact]
    public void The_same_seed_and_threads_give_identical_losses_and_another_seed_different_ones()
    {
        var first = Losses(4);
        var second = Losses(4);
        var other = Losses(5);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    // ---- callbacks ---------------------------------------------------------------------------------------------------

    private sealed class ThrowingCallback : ITrainerCallback
    {
        public int Calls { get; private set; }

        public void OnBatchEnd(TrainingContext context, int step, double loss)
        {
            Calls++;
            throw new InvalidOperationException("boom from a user callback");
        }
    }

    private sealed class EpochCounter : ITrainerCallback
    {
        public int Epochs { get; private set; }
        public int Begins { get; private set; }
        public int Ends { get; private set; }

        public void OnTrainBegin(TrainingContext context) => Begins++;

        public void OnEpochEnd(TrainingContext context, EpochRecord record) => Epochs++;

        public void OnTrainEnd(TrainingContext context) => Ends++;
    }

    [Fact]
    public void A_callback_that_throws_is_removed_with_a_warning_and_training_continues()
    {
        using var train = Blobs(64, 25);
        var throwing = new ThrowingCallback();
        var counter = new EpochCounter();
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        TrainingResult result;
        try
        {
            result = new Trainer(Quiet(3), new ITrainerCallback[] { throwing, counter }).Fit(ClassifierPlan(ZeroLinear()), Loader(train));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(1, throwing.Calls);
        Assert.Equal(3, result.History.Count);
        Assert.Equal((1, 3, 1), (counter.Begins, counter.Epochs, counter.Ends));
        var warning = errors.ToString();
        Assert.Contains("warning", warning);
        Assert.Contains(nameof(ThrowingCallback), warning);
        Assert.Contains("boom from a user callback", warning);
        Assert.Contains("removed", warning);
    }

    [Fact]
    public void A_callback_can_stop_training_after_the_current_epoch()
    {
        using var train = Blobs(32, 26);
        var result = new Trainer(Quiet(5), new[] { new StopAfter(2) }).Fit(ClassifierPlan(ZeroLinear()), Loader(train));
        Assert.Equal(2, result.History.Count);
        Assert.False(result.StoppedEarly);
    }
}
