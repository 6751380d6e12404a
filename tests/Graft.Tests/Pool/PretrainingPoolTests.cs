using Graft.Pool;
using Graft.Pool.Transfer;
using Graft.Weights;
using Graft.Weights.Loading;
using static Graft.Tests.Pool.PoolTestKit;
using static TorchSharp.torch;

namespace Graft.Tests.Pool;

public class PretrainingPoolTests
{
    [Fact]
    public void An_added_model_is_recorded_with_its_signature_task_and_held_out_metric()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var model = Train(NewMlp(1), x, y);
        var entry = temp.Pool.AddModel(model, x, y, "blobs-mlp", new AddModelOptions { Builder = "mlp", Tags = ["test"] });

        Assert.Equal(1, entry.Version);
        Assert.Equal("pool:blobs-mlp@1", entry.Reference);
        Assert.Equal(["Linear", "Linear"], entry.Architecture.Layers.Select(l => l.Type));
        Assert.Equal("8|class|3", entry.Task.Key);
        Assert.True(entry.Score > 0.9, $"held-out accuracy {entry.Score}");
        Assert.Equal(entry.Score, entry.Metrics.Single(m => m.Metric == "accuracy").Value);
        var stored = temp.Pool.Get("blobs-mlp");
        Assert.Equal(entry.WeightsSha256, stored.WeightsSha256);
        Assert.Equal(entry.Architecture.Hash, stored.Architecture.Hash);
        Assert.Equal(["test"], stored.Tags);
        Assert.Equal(entry.Score, temp.Pool.Remeasure(stored, NewMlp(99)), 6);
    }

    [Fact]
    public void An_identical_architecture_receives_identical_weights_and_the_entrys_recorded_metric()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var trained = Train(NewMlp(1), x, y);
        var entry = temp.Pool.AddModel(trained, x, y, "blobs-mlp");

        var fresh = NewMlp(2);
        var result = temp.Pool.GetPretrainedModel(fresh, x, y, out var report);

        Assert.Same(fresh, result);
        Assert.Equal(State(trained), State(result));
        Assert.Equal(entry.Reference, report.Chosen);
        Assert.Equal(entry.Score, report.ChosenScore, 6);
        Assert.All(report.Layers, l => Assert.Equal("exact copy", l.Rule));
        Assert.Equal(TransferReport.Fresh, report.Candidates[0].Reference);
    }

    [Fact]
    public void The_returned_model_scores_at_least_as_well_as_every_alternative_tried()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs(seed: 1);
        var (otherX, otherY) = Blobs(seed: 5);
        // A model of the same architecture trained on another task: transferring it would hurt.
        temp.Pool.AddModel(Train(NewMlp(1), otherX, otherY), otherX, otherY, "other-task");
        var fresh = Train(NewMlp(3), x, y, epochs: 30);
        var before = State(fresh);

        temp.Pool.GetPretrainedModel(fresh, x, y, out var report, new PretrainOptions { FitHead = false });

        var scored = report.Candidates.Where(c => !double.IsNaN(c.Score)).ToList();
        Assert.Equal(2, scored.Count);
        Assert.Equal(scored.Max(c => c.Score), report.ChosenScore);
        if (report.Chosen == TransferReport.Fresh) Assert.Equal(before, State(fresh));
    }

    [Fact]
    public void A_new_head_is_fitted_by_linear_probing_so_accuracy_before_training_means_something()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs(classes: 3);
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "three-classes");
        // Another label space over the same inputs: six classes, each blob split in two by the sign of one feature.
        var y6 = y * 2 + (x.select(1, 0) > x.select(1, 0).median()).to_type(ScalarType.Int64);
        var target = NewMlp(2, classes: 6);

        temp.Pool.GetPretrainedModel(target, x, y6, out var report);

        var candidate = report.Candidates.Single(c => c.Reference == "pool:three-classes@1");
        Assert.Contains("head fitted", candidate.Note);
        Assert.False(double.IsNaN(candidate.Transferability));
        Assert.True(report.ChosenScore > 0.5, report.ToString());
        Assert.Equal(report.Candidates.Where(c => !double.IsNaN(c.Score)).Max(c => c.Score), report.ChosenScore);
    }

    [Fact]
    public void Only_the_best_ranked_candidates_are_scored_on_the_held_out_slice()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "good");
        for (int i = 0; i < 3; i++) temp.Pool.AddModel(NewMlp(10 + i), x, y, "untrained");

        // Heads not fitted: on these well-separated blobs a fitted head makes even an untrained body perfect.
        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { ScoredCandidates = 2, FitHead = false });

        Assert.Equal(5, report.Candidates.Count);
        Assert.Equal(3, report.Candidates.Count(c => !double.IsNaN(c.Score)));      // the fresh model and the top two
        Assert.Equal("pool:good@1", report.Chosen);
        Assert.All(report.Candidates.Where(c => double.IsNaN(c.Score)), c => Assert.Contains("not scored", c.Note));
    }

    [Fact]
    public void Training_from_scratch_keeps_the_fresh_model_and_loads_nothing()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "blobs-mlp");
        var fresh = NewMlp(2);
        var before = State(fresh);

        temp.Pool.GetPretrainedModel(fresh, x, y, out var report, new PretrainOptions { FromScratch = true });

        Assert.Equal(before, State(fresh));
        Assert.Equal(0, temp.Pool.WeightLoads);
        Assert.Equal(TransferReport.Fresh, report.Chosen);
        Assert.Contains("FromScratch", report.Summary);
    }

    [Fact]
    public void Retrieval_loads_the_weights_of_candidates_only()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "match");
        // Other architectures: two hidden layers (another layer family), and a CNN on images.
        manual_seed(4);
        for (int i = 0; i < 4; i++) temp.Pool.AddModel(new Graft.Models.Builders.Mlp(8, 3, [16, 16]), x, y, "deeper");
        var cnn = new Graft.Models.Builders.SmallCnn(imageSize: 12, classes: 3, width: 4, hidden: 8);
        temp.Pool.AddModel(cnn, randn(30, 1, 12, 12), arange(30, ScalarType.Int64) % 3, "cnn");

        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { MaxCandidates = 2 });

        // The exact architecture ranks first, then one entry of the same input; the CNN (other inputs) is never a candidate.
        Assert.Equal(2, temp.Pool.WeightLoads);
        Assert.Equal(["fresh initialisation", "pool:match@1"], report.Candidates.Take(2).Select(c => c.Reference));
        Assert.StartsWith("pool:deeper@", report.Candidates[2].Reference);
    }

    [Fact]
    public void A_model_of_other_sizes_receives_the_overlap_and_a_fitted_head_for_other_classes()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1, hidden: 16), x, y), x, y, "narrow");
        var (x4, y4) = Blobs(classes: 4);

        var wider = NewMlp(2, hidden: 24, classes: 4);
        var fresh = State(wider);
        temp.Pool.GetPretrainedModel(wider, x4, y4, out var report, new PretrainOptions());

        var rows = report.Candidates.Single(c => c.Reference == "pool:narrow@1");
        Assert.Equal(1, rows.LayersTransferred);
        if (report.Chosen == "pool:narrow@1")
        {
            Assert.Equal(["resize", "head re-initialised"], report.Layers.Select(l => l.Rule));
            var head = report.Layers[1];
            Assert.Contains("3 -> 4 outputs", head.Note);
            Assert.Contains("fitted by linear probing", head.Note);
            Assert.NotEqual(fresh[head.TargetLayer + ".weight"], State(wider)[head.TargetLayer + ".weight"]);
        }
    }

    [Fact]
    public void A_convolution_for_one_channel_is_adapted_to_three_input_channels()
    {
        using var temp = new TemporaryPool();
        manual_seed(1);
        var gray = new Graft.Models.Builders.SmallCnn(inputChannels: 1, imageSize: 12, classes: 3, width: 4, hidden: 8, dropout: 0);
        var grayX = randn(20, 1, 12, 12);
        var labels = arange(20, ScalarType.Int64) % 3;
        temp.Pool.AddModel(gray, grayX, labels, "gray");

        manual_seed(2);
        var color = new Graft.Models.Builders.SmallCnn(inputChannels: 3, imageSize: 12, classes: 3, width: 4, hidden: 8, dropout: 0);
        var report = TransferReportFor(temp.Pool, color, randn(20, 3, 12, 12), labels, "pool:gray@1");

        var first = report.Single(r => r.Rule == "input channels");
        Assert.Contains("1 -> 3 input channels", first.Note);
        Assert.True(report.Count(r => r.Rule == "exact copy") >= 2);
    }

    [Fact]
    public void Versions_grow_per_name_and_aliases_name_versions()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var first = temp.Pool.AddModel(NewMlp(1), x, y, "m");
        var second = temp.Pool.AddModel(NewMlp(2), x, y, "m");
        Assert.Equal((1, 2), (first.Version, second.Version));
        Assert.Equal(2, temp.Pool.Get("m").Version);
        Assert.Equal(2, temp.Pool.Get("pool:m@latest").Version);

        temp.Pool.SetAlias("m", "champion", 1);
        Assert.Equal(1, temp.Pool.Get("m@champion").Version);
        Assert.Equal(new Dictionary<string, int> { ["champion"] = 1, ["latest"] = 2 }, temp.Pool.Store.Aliases("m"));

        Assert.Contains("kept by the pool", Assert.Throws<PoolException>(() => temp.Pool.SetAlias("m", "latest", 1)).Message);
        var missing = Assert.Throws<PoolException>(() => temp.Pool.Get("m@7"));
        Assert.Contains("versions are 1, 2", missing.Message);
        Assert.Contains("champion -> 1", missing.Message);
        Assert.Contains("did you mean 'm'", Assert.Throws<PoolException>(() => temp.Pool.Get("mm")).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_failure_in_the_middle_of_adding_leaves_no_entry_and_no_file_after_gc()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AfterStage = stage =>
        {
            if (stage == "dataset") throw new IOException("disk full");
        };

        Assert.Throws<IOException>(() => temp.Pool.AddModel(NewMlp(1), x, y, "m"));

        Assert.Empty(temp.Pool.Store.List());
        Assert.NotEmpty(temp.Blobs);
        Assert.Equal(2, temp.Pool.Store.CollectGarbage().Count);
        Assert.Empty(temp.Blobs);
    }

    [Fact]
    public void Equal_datasets_are_stored_once()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var a = temp.Pool.AddModel(NewMlp(1), x, y, "a");
        var b = temp.Pool.AddModel(NewMlp(2), x, y, "b");
        Assert.Equal(a.DatasetSha256, b.DatasetSha256);
        Assert.Equal(3, temp.Blobs.Length);

        Assert.Equal(1, temp.Pool.Store.Remove("a"));
        Assert.Single(temp.Pool.Store.CollectGarbage());
        Assert.Equal(2, temp.Blobs.Length);
    }

    [Fact]
    public void A_pool_entry_loads_wherever_weights_are_named_and_its_digest_is_checked()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var trained = Train(NewMlp(1), x, y);
        var entry = temp.Pool.AddModel(trained, x, y, "blobs-mlp");
        var resolver = new WeightsResolver([new PoolWeightsSource(temp.Directory), new WeightsResolver.FileSource()]);

        var weights = resolver.Resolve("pool:blobs-mlp@1");
        var model = NewMlp(7);
        WeightsLoader.Load(model, weights);
        Assert.Equal(State(trained), State(model));
        Assert.Equal(entry.Architecture.ParameterCount, weights.Metadata.ParameterCount);

        File.WriteAllBytes(weights.Source, [1, 2, 3]);
        var e = Assert.Throws<WeightsVerificationException>(() => WeightsLoader.Load(NewMlp(7), resolver.Resolve("pool:blobs-mlp")));
        Assert.Contains(entry.WeightsSha256, e.Message);
        Assert.Contains("has no entry named 'nope'", Assert.Throws<WeightsNotFoundException>(() => resolver.Resolve("pool:nope")).Message);
    }

    private static IReadOnlyList<LayerTransfer> TransferReportFor(PretrainingPool pool, nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, string source)
    {
        var entry = pool.Get(source);
        var signature = Graft.Pool.Signatures.ArchitectureSignature.Trace(model, x.narrow(0, 0, 2));
        var state = Graft.Weights.Formats.WeightsFile.Read(pool.WeightsOf(entry).Source, WeightsFormat.Safetensors);
        return TransferPlan.Apply(new PositionalAligner().Align(entry.Architecture, signature), TransferRules.SameArchitecture,
            state.ToDictionary(kv => kv.Key, kv => kv.Value), Graft.Weights.Formats.WeightsFile.StateOf(model));
    }
}

public class DefaultPoolTests
{
    [Fact]
    public void The_default_pool_lives_under_graft_home()
    {
        // The test assembly points GRAFT_HOME at a temporary folder (TestEnvironment); tests never change it, as runs
        // in parallel tests read it.
        var home = Environment.GetEnvironmentVariable("GRAFT_HOME");
        Assert.False(string.IsNullOrEmpty(home));
        Assert.Equal(Path.Combine(home!, "pool"), PretrainingPool.DefaultDirectory);
    }

    [Fact]
    public void A_pool_is_seeded_once_with_the_built_in_weights()
    {
        using var temp = new TemporaryPool();
        var added = Pretraining.SeedBuiltIns(temp.Pool);
        Assert.Contains(added, e => e.Name == "MlpWeights.IrisV1");
        var iris = temp.Pool.Get("MlpWeights.IrisV1");
        Assert.Contains(Pretraining.BuiltInTag, iris.Tags);
        Assert.Equal("mlp", iris.Builder);
        Assert.True(iris.Score > 0.8, $"held-out accuracy {iris.Score}");

        Assert.Empty(Pretraining.SeedBuiltIns(temp.Pool));
        Assert.Single(temp.Pool.Store.List("MlpWeights.IrisV1"));
    }
}

// Compares weights of two seeded runs: torch's global generator is shared by every test thread, so this runs alone.
[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class DistillationTests
{
    /// <summary>12x12 images whose class is where a bright square sits (three places), with noise.</summary>
    private static (Tensor X, Tensor Y) Squares(int n, int seed)
    {
        var generator = new Generator((ulong)seed);
        var y = arange(n, ScalarType.Int64) % 3;
        var x = randn(n, 1, 12, 12, generator: generator) * 0.5;
        for (int i = 0; i < n; i++)
        {
            int c = (int)y[i].item<long>();
            x[i, 0, TensorIndex.Slice(1 + 3 * c, 4 + 3 * c), TensorIndex.Slice(4, 8)] += 2;
        }

        return (x, y);
    }

    [Fact]
    public void When_no_layer_transfers_usefully_the_best_model_of_the_task_teaches_the_new_one()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Squares(600, 1);
        manual_seed(1);
        var teacher = new Graft.Models.Builders.SmallCnn(imageSize: 12, classes: 3, width: 4, hidden: 16, dropout: 0);
        PoolTestKit.Train(teacher, x, y, epochs: 40);
        var entry = temp.Pool.AddModel(teacher, x, y, "squares-cnn", new AddModelOptions
        {
            Builder = "small_cnn",
            BuilderArgs = new Dictionary<string, object> { ["width"] = 4L, ["hidden"] = 16L, ["dropout"] = 0.0 },
        });
        Assert.True(entry.Score > 0.9, $"teacher accuracy {entry.Score}");
        Assert.Equal(16L, Convert.ToInt64(temp.Pool.Get("squares-cnn").BuilderArgs["hidden"], System.Globalization.CultureInfo.InvariantCulture));

        // A student of other layer types (a 1-D convolution over rows, then a linear head): nothing can be copied.
        manual_seed(2);
        var student = nn.Sequential(("rows", nn.Flatten(2)), ("conv", nn.Conv1d(1, 2, 5)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("head", nn.Linear(2 * 140, 3)));
        var (x2, y2) = Squares(600, 2);
        temp.Pool.GetPretrainedModel(student, x2, y2, out var report, new PretrainOptions { FitHead = false, DistillationBudget = TimeSpan.FromSeconds(20) });

        var fresh = report.Candidates.Single(c => c.Reference == Graft.Pool.Transfer.TransferReport.Fresh);
        var distilled = report.Candidates.Single(c => c.Reference == "distilled from pool:squares-cnn@1");
        Assert.True(distilled.Score > fresh.Score, report.ToString());
        Assert.Equal("distilled from pool:squares-cnn@1", report.Chosen);
        Assert.Equal(report.Candidates.Where(c => !double.IsNaN(c.Score)).Max(c => c.Score), report.ChosenScore);
        Assert.Equal(new Graft.Pool.Transfer.ConsultedEntry(entry.Reference, entry.WeightsSha256), report.Teacher);
        Assert.True(report.DistillationSteps > 0);
    }

    [Fact]
    public void A_distillation_repeated_with_its_recorded_teacher_and_steps_gives_the_same_weights_after_a_better_teacher_arrived()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Squares(300, 1);
        manual_seed(1);
        var teacher = new Graft.Models.Builders.SmallCnn(imageSize: 12, classes: 3, width: 4, hidden: 16, dropout: 0);
        PoolTestKit.Train(teacher, x, y, epochs: 20);
        var args = new Dictionary<string, object> { ["width"] = 4L, ["hidden"] = 16L, ["dropout"] = 0.0 };
        temp.Pool.AddModel(teacher, x, y, "squares-cnn", new AddModelOptions { Builder = "small_cnn", BuilderArgs = args });
        var (x2, y2) = Squares(300, 2);
        static nn.Module<Tensor, Tensor> Student()
        {
            manual_seed(2);
            return nn.Sequential(("rows", nn.Flatten(2)), ("conv", nn.Conv1d(1, 2, 5)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("head", nn.Linear(2 * 140, 3)));
        }

        var first = Student();
        temp.Pool.GetPretrainedModel(first, x2, y2, out var report, new PretrainOptions { FitHead = false, DistillationBudget = TimeSpan.FromSeconds(20), DistillationEpochs = 2 });
        Assert.NotNull(report.Teacher);

        // A better teacher of the same task joins the pool: a plain call would now learn from it.
        manual_seed(3);
        var better = new Graft.Models.Builders.SmallCnn(imageSize: 12, classes: 3, width: 6, hidden: 16, dropout: 0);
        PoolTestKit.Train(better, x, y, epochs: 40);
        temp.Pool.AddModel(better, x, y, "squares-cnn-2", new AddModelOptions { Builder = "small_cnn", BuilderArgs = new Dictionary<string, object> { ["width"] = 6L, ["hidden"] = 16L, ["dropout"] = 0.0 } });

        var again = Student();
        temp.Pool.GetPretrainedModel(again, x2, y2, out var repeated, new PretrainOptions
        {
            FitHead = false,
            Candidates = report.Consulted.Select(c => c.Reference).ToList(),
            Distill = false,
            Teacher = report.Teacher!.Reference,
            DistillationSteps = report.DistillationSteps,
            DistillationEpochs = int.MaxValue,
        });

        Assert.Equal(report.Chosen, repeated.Chosen);
        Assert.Equal(report.DistillationSteps, repeated.DistillationSteps);
        Assert.Equal(PoolTestKit.State(first), PoolTestKit.State(again));
    }
}

// Compares weights of two seeded runs: torch's global generator is shared by every test thread, so this runs alone.
[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class ReproducibilityTests
{
    [Fact]
    public void A_call_repeated_with_the_entries_it_consulted_ignores_what_the_pool_gained_since()
    {
        using var temp = new TemporaryPool();
        var (x, y) = PoolTestKit.Blobs();
        temp.Pool.AddModel(PoolTestKit.Train(PoolTestKit.NewMlp(1), x, y, epochs: 10), x, y, "first");
        var first = PoolTestKit.NewMlp(5);
        temp.Pool.GetPretrainedModel(first, x, y, out var report);
        Assert.Equal(["pool:first@1"], report.Consulted.Select(c => c.Reference));
        Assert.Equal(temp.Pool.Get("first").WeightsSha256, report.Consulted[0].WeightsSha256);

        temp.Pool.AddModel(PoolTestKit.Train(PoolTestKit.NewMlp(2), x, y, epochs: 60), x, y, "better");
        var again = PoolTestKit.NewMlp(5);
        temp.Pool.GetPretrainedModel(again, x, y, out var repeated, new PretrainOptions { Candidates = report.Consulted.Select(c => c.Reference).ToList() });

        Assert.Equal(report.Chosen, repeated.Chosen);
        Assert.Equal(PoolTestKit.State(first), PoolTestKit.State(again));
        Assert.DoesNotContain(repeated.Candidates, c => c.Reference.Contains("better", StringComparison.Ordinal));
    }
}
