using System.Globalization;
using System.Text;
using Graft.Runs.Execution;
using Graft.Runs.RunFiles;
using Graft.Training;

namespace Graft.Tests.Runs.Execution;

[Collection(RunCollection.Name)]
public class RunExecutorTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Graft.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }

    private static string Example(string name) => Path.Combine(Root(), "examples", name, "run.yaml");

    private static RunResult TrainDev(string runFile, string runDir, params string[] extra)
    {
        var overrides = new List<string> { "training.epochs=1", "logging.run_dir=" + runDir, "data.limit=1500", "split.dev_size=128", "training.threads=2" };
        overrides.AddRange(extra);
        var run = RunFileParser.Load(runFile, overrides);
        return RunExecutor.Train(run, new RunOptions(Dev: true, Progress: ProgressMode.None));
    }

    internal static string TwoClassCsv(string dir)
    {
        var rng = new Random(3);
        var sb = new StringBuilder("a,b,label,size\n");
        for (int i = 0; i < 120; i++)
        {
            double a = rng.NextDouble() * 2 - 1, b = rng.NextDouble() * 2 - 1;
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{a:0.000},{b:0.000},{(a + b > 0 ? "yes" : "no")},{a * 3:0.000}\n"));
        }

        var path = Path.Combine(dir, "two.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    private static RunFileException Invalid(string dir, string models)
    {
        TwoClassCsv(dir);
        var yaml = $"data:\n  source: two.csv\n  labels: {{label: class, size: value}}\nlogging:\n  run_dir: {dir}/run\nmodels:\n{models}";
        File.WriteAllText(Path.Combine(dir, "run.yaml"), yaml);
        return Assert.Throws<RunFileException>(() => RunExecutor.Validate(RunFileParser.Load(Path.Combine(dir, "run.yaml"))));
    }

    [Fact]
    public void The_fashion_mnist_example_trains_on_its_dev_subset()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var result = TrainDev(Example("fashion-mnist"), dir);
        Assert.True(result.Training.Final.ContainsKey("validation.accuracy"));
        Assert.True(File.Exists(Path.Combine(dir, "checkpoints", "best.ckpt")));
    }

    [Fact]
    public void The_tabular_example_learns_the_wine_classes()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var run = RunFileParser.Load(Example("tabular-wine"), new[] { "logging.run_dir=" + dir, "training.epochs=30" });
        var result = RunExecutor.Train(run, new RunOptions(Progress: ProgressMode.None));
        Assert.True(result.Test["test.accuracy"] > 0.85, $"test accuracy {result.Test["test.accuracy"]}");
    }

    [Fact]
    public void The_autoencoder_feeds_a_frozen_extractor_run_through_its_own_checkpoint()
    {
        var first = Directory.CreateTempSubdirectory().FullName;
        var result = TrainDev(Example("autoencoder-classifier"), first);
        Assert.Contains("train.classifier.cross_entropy", result.Training.Final.Keys.Select(k => k.Replace("loss.", "", StringComparison.Ordinal)));
        Assert.True(result.Training.Final.ContainsKey("validation.classifier.accuracy"));
        var encoder = Path.Combine(first, "checkpoints", "encoder.ckpt");
        Assert.True(File.Exists(encoder), "per-model checkpoint of the encoder is missing");
        Assert.True(File.Exists(Path.Combine(first, "checkpoints", "decoder.ckpt")));

        var second = Directory.CreateTempSubdirectory().FullName;
        var frozen = TrainDev(Example("frozen-extractor"), second, "models.encoder.weights=" + encoder);
        Assert.True(frozen.Training.Final.ContainsKey("validation.head.accuracy"));
        // The frozen encoder was not updated: its per-model checkpoint is not written, and its weights equal the loaded ones.
        Assert.False(File.Exists(Path.Combine(second, "checkpoints", "encoder.ckpt")));
    }

    [Fact]
    public void A_model_reading_a_later_model_is_told_to_reorder()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName,
            "  - {name: head, builder: mlp, inputs: [body]}\n  - {name: body, builder: mlp, inputs: [features], args: {hidden: [4]}}\n");
        Assert.Contains("'body' is an output of 'body', which comes later in models", e.Message);
        Assert.Equal("models[0].inputs", e.Key);
    }

    [Fact]
    public void A_model_reading_its_own_output_is_a_cycle()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName, "  - {name: net, builder: mlp, inputs: [net.output]}\n");
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void An_input_naming_a_missing_column_lists_the_known_ones_and_suggests()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName, "  - {name: net, builder: mlp, inputs: [featurs]}\n");
        Assert.Contains("'featurs' is neither a dataset feature nor an output of an earlier model", e.Message);
        Assert.Contains("Did you mean 'features'?", e.Message);
    }

    [Fact]
    public void An_unknown_loss_lists_the_known_losses()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName, "  - {name: net, builder: mlp, inputs: [features], losses: [{name: crossentropy, inputs: [output, label]}]}\n");
        Assert.Contains("crossentropy", e.Message);
        Assert.Contains("cross_entropy", e.Message);
    }

    [Fact]
    public void A_shape_mismatch_is_found_by_the_dry_run_and_names_model_and_shapes()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName,
            "  - {name: net, builder: mlp, args: {hidden: [4]}, inputs: [features], losses: [{name: mse, inputs: [output, size]}]}\n  - {name: head, builder: small_cnn, inputs: [net]}\n");
        Assert.Contains("head", e.Message);
        Assert.Contains("[", e.Message);
    }

    [Fact]
    public void A_label_used_as_a_model_input_is_explained()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName, "  - {name: net, builder: mlp, inputs: [label]}\n");
        Assert.Contains("'label' is a label; models read features", e.Message);
    }

    [Fact]
    public void Data_features_choose_the_csv_columns_a_model_reads()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        TwoClassCsv(dir);
        File.WriteAllText(Path.Combine(dir, "run.yaml"), $"data:\n  source: two.csv\n  labels: {{label: class}}\n  features: [a, size]\nlogging: {{run_dir: {dir}/run}}\nmodels:\n  - {{name: net, builder: mlp, inputs: [features]}}\n");
        var report = RunExecutor.Validate(RunFileParser.Load(Path.Combine(dir, "run.yaml")));
        Assert.Equal("features [2]", Assert.Single(report.Models).Inputs.Single());
    }

    [Fact]
    public void An_unknown_metric_lists_the_known_metrics()
    {
        var e = Invalid(Directory.CreateTempSubdirectory().FullName, "  - {name: net, builder: mlp, inputs: [features], losses: [{name: cross_entropy, inputs: [output, label]}], metrics: [{name: acuracy, inputs: [output, label]}]}\n");
        Assert.Contains("acuracy", e.Message);
        Assert.Contains("accuracy", e.Message);
    }

    [Fact]
    public void Augmented_images_train_on_the_dev_subset()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var result = TrainDev(Example("fashion-mnist"), dir, "data.augment=[{feature: image, crop_padding: 2, flip: 0.5, noise: 0.05}]");
        Assert.True(double.IsFinite(result.Training.Final["train.loss"]));
    }

    [Fact]
    public void A_users_own_loss_is_usable_by_name_from_a_run_file()
    {
        Graft.Models.Catalog.ModelCatalog.RegisterAssembly(typeof(RunExecutorTests).Assembly);
        var dir = Directory.CreateTempSubdirectory().FullName;
        TwoClassCsv(dir);
        File.WriteAllText(Path.Combine(dir, "run.yaml"), $"data:\n  source: two.csv\n  labels: {{label: class}}\ntraining: {{epochs: 2, batch_size: 16}}\nlogging: {{run_dir: {dir}/run}}\nmodels:\n  - {{name: net, builder: mlp, inputs: [features], losses: [{{name: test_scaled_cross_entropy, args: {{factor: 3}}, inputs: [output, label]}}]}}\n");
        var result = RunExecutor.Train(RunFileParser.Load(Path.Combine(dir, "run.yaml")), new RunOptions(Progress: ProgressMode.None));
        Assert.True(double.IsFinite(result.Training.Final["train.loss"]));
        Assert.Equal(3.0, ScaledCrossEntropy.LastFactor);
    }

    [Fact]
    public void Predict_writes_decoded_classes_with_probabilities()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var csv = TwoClassCsv(dir);
        File.WriteAllText(Path.Combine(dir, "run.yaml"), $"data:\n  source: two.csv\n  labels: {{label: class}}\ntraining: {{epochs: 10, batch_size: 16, optimizer: {{lr: 0.05}}}}\nlogging: {{run_dir: {dir}/run}}\nmodels:\n  - {{name: net, builder: mlp, args: {{hidden: [8]}}, inputs: [features], losses: [{{name: cross_entropy, inputs: [output, label]}}]}}\n");
        RunExecutor.Train(RunFileParser.Load(Path.Combine(dir, "run.yaml")), new RunOptions(Progress: ProgressMode.None));
        var output = Path.Combine(dir, "predictions.csv");
        long n = RunExecutor.Predict(Path.Combine(dir, "run"), csv, output);
        Assert.Equal(120, n);
        var lines = File.ReadAllLines(output);
        Assert.Equal("index,net.output,net.output.probability", lines[0]);
        Assert.Equal(121, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Matches("^[0-9]+,(yes|no),0?\\.[0-9]+|1$", l));
    }
}

[Graft.Models.Losses.Loss("test_scaled_cross_entropy", Description = "Cross-entropy times a factor (a test's own loss).")]
public sealed class ScaledCrossEntropy([System.ComponentModel.Description("the factor")] double factor = 2) : Graft.Models.Losses.ILoss
{
    public static double LastFactor { get; private set; }

    public IReadOnlyList<string> InputNames { get; } = ["logits", "target"];

    public int InputCount => 2;

    public TorchSharp.torch.Tensor Compute(IReadOnlyList<TorchSharp.torch.Tensor> inputs, TorchSharp.torch.Tensor? mask = null)
    {
        LastFactor = factor;
        return TorchSharp.torch.nn.functional.cross_entropy(inputs[0], inputs[1]) * factor;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunCollection
{
    public const string Name = "Runs that train";
}
