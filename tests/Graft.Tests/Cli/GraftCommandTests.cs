using System.Globalization;
using System.Text;
using Graft.Cli;

namespace Graft.Tests.Cli;

public class GraftCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Graft.Tests.Cli.Cli.Run(args);

    internal static string TwoClassCsv(string dir, int rows = 200)
    {
        var rng = new Random(1);
        var sb = new StringBuilder("a,b,colour,label\n");
        for (int i = 0; i < rows; i++)
        {
            double a = rng.NextDouble() * 2 - 1, b = rng.NextDouble() * 2 - 1;
            var label = a + b > 0 ? "yes" : "no";
            var cell = i % 50 == 7 ? "" : label; // a few missing labels
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{a:0.0000},{b:0.0000},{(i % 3 == 0 ? "red" : "blue")},{cell}\n"));
        }

        var path = Path.Combine(dir, "two.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void Help_lists_the_verbs()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("data", output);
        Assert.Contains("train", output);
        Assert.Contains("eval", output);
    }

    [Fact]
    public void Data_inspect_shows_shapes_kinds_missing_counts_and_class_balance()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var csv = TwoClassCsv(dir);
        var (code, output, error) = Run("data", "inspect", csv, "--label", "label:class");
        Assert.True(code == 0, error);
        Assert.Contains("200 samples", output);
        Assert.Contains("features", output);
        Assert.Contains("[200, 4]", output);   // a, b and the one-hot colour columns
        Assert.Contains("Class", output);
        Assert.Contains("class balance of 'label'", output);
        Assert.Contains("(missing)", output);
    }

    [Fact]
    public void A_missing_file_is_one_line_on_stderr_and_exit_code_1()
    {
        var (code, output, error) = Run("data", "inspect", "/nonexistent/file.csv");
        Assert.Equal(1, code);
        Assert.StartsWith("error: No data source '/nonexistent/file.csv'", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal("", output);
    }

    [Fact]
    public void A_truncated_idx_file_names_the_file_and_offset()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var path = Path.Combine(dir, "broken-idx3-ubyte");
        File.WriteAllBytes(path, new byte[] { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3 });
        var (code, _, error) = Run("data", "inspect", path);
        Assert.Equal(1, code);
        Assert.Contains("broken-idx3-ubyte", error);
        Assert.Contains("offset", error);
    }

    [Fact]
    public void Train_then_eval_a_tiny_run_end_to_end()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var csv = TwoClassCsv(dir);
        var runDir = Path.Combine(dir, "run");
        File.WriteAllText(Path.Combine(dir, "run.yaml"), $"""
            data:
              source: two.csv
              labels: {"{"}label: class{"}"}
            split: {"{"}validation: 0.2, test: 0.2, seed: 1{"}"}
            training:
              epochs: 15
              batch_size: 16
              optimizer: {"{"}name: adam, lr: 0.05{"}"}
              monitor: validation.accuracy
            logging: {"{"}run_dir: {runDir}{"}"}
            models:
              - builder: mlp
                args: {"{"}hidden: [8]{"}"}
                inputs: [features]
            """);
        var (code, output, error) = Run("train", Path.Combine(dir, "run.yaml"), "--plain");
        Assert.True(code == 0, error + output);
        Assert.Contains("test accuracy", output);
        foreach (var f in new[] { "run.yaml", "split.json", "metrics.json", "curves.png", "test.json", "checkpoints/best.ckpt", "checkpoints/last.ckpt" })
            Assert.True(File.Exists(Path.Combine(runDir, f)), f + " is missing");
        var accuracy = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "test.json"))).RootElement.GetProperty("test.accuracy").GetDouble();
        Assert.True(accuracy > 0.85, $"test accuracy {accuracy}");

        var (evalCode, evalOut, evalErr) = Run("eval", runDir);
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains("test.accuracy", evalOut);

        var (resumeCode, resumeOut, resumeErr) = Run("train", "--resume", runDir, "--set", "training.epochs=16", "--plain");
        Assert.True(resumeCode == 0, resumeErr);
        Assert.Contains("epoch 16/16", resumeOut);
        Assert.DoesNotContain("epoch 1/16", resumeOut);
    }

    [Fact]
    public void A_misspelt_run_file_key_fails_before_training_with_line_and_suggestion()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(dir, "run.yaml"), "data:\n  source: iris\ntraining:\n  epoch: 3\nmodels:\n  - builder: mlp\n    inputs: [features]\n");
        var (code, _, error) = Run("train", Path.Combine(dir, "run.yaml"));
        Assert.Equal(1, code);
        Assert.Contains("run.yaml:4:3: training.epoch: unknown key. Did you mean 'epochs'?", error);
    }

    [Fact]
    public void A_plugin_assembly_adds_its_builders_and_losses_to_the_catalog()
    {
        var (code, output, error) = Run("models", "--plugin", typeof(GraftCommandTests).Assembly.Location, "--include", "test_hinge", "--markdown");
        Assert.True(code == 0, error);
        Assert.Contains("`test_hinge`", output);
        var (bad, _, badError) = Run("models", "--plugin", "/nonexistent.dll");
        Assert.Equal(1, bad);
        Assert.Contains("--plugin /nonexistent.dll: the file does not exist.", badError);
    }

    [Fact]
    public void An_unknown_builder_lists_the_known_ones()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        TwoClassCsv(dir);
        File.WriteAllText(Path.Combine(dir, "run.yaml"), $"data:\n  source: two.csv\nlogging:\n  run_dir: {dir}/r\nmodels:\n  - builder: resnet99\n    inputs: [features]\n");
        var (code, _, error) = Run("train", Path.Combine(dir, "run.yaml"));
        Assert.Equal(1, code);
        Assert.Contains("unknown builder", error);
        Assert.Contains("mlp", error);
        Assert.Contains("small_cnn", error);
    }
}
