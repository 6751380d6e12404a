using Graft.Runs.Execution;
using Graft.Runs.RunFiles;
using Graft.Weights.Formats;

namespace Graft.Tests.Weights;

public class RunFileWeightsTests
{
    private static string RunFile(WeightsFolder folder, string model, string extra = "") =>
        WriteRun(folder, $$"""
            data: {source: iris}
            split: {validation: 0.2, test: 0.2, seed: 1, stratify_by: target}
            training: {epochs: 1, batch_size: 16}
            logging: {run_dir: {{folder.File("run")}}}
            models:
              - name: classifier
                builder: mlp
                inputs: [features]
            {{model}}
            {{extra}}
            """);

    private static string WriteRun(WeightsFolder folder, string text)
    {
        var path = folder.File("run.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_run_file_names_a_registry_entry_and_the_model_takes_the_entrys_builder_arguments()
    {
        using var folder = new WeightsFolder();
        var run = RunFileParser.Load(RunFile(folder, "    weights: MlpWeights.IrisV1"));
        Assert.Equal("MlpWeights.IrisV1", run.Models[0].Weights);
        var report = RunExecutor.Validate(run);
        Assert.Equal(Graft.Models.Pretrained.MlpWeights.IrisV1.Metadata.ParameterCount, report.Models[0].Parameters);
        Assert.StartsWith("MlpWeights.IrisV1 (sha256 " + Graft.Models.Pretrained.MlpWeights.IrisV1.Sha256[..12], report.Models[0].Weights);
        Assert.Contains("6 tensors loaded", report.Models[0].Weights);
    }

    [Fact]
    public void A_run_file_names_a_weights_file_relative_to_itself()
    {
        using var folder = new WeightsFolder();
        var state = WeightsFile.StateOf(Graft.Models.Pretrained.Models.Mlp(weights: Graft.Models.Pretrained.MlpWeights.IrisV1));
        WeightsFile.Write(folder.File("mine.safetensors"), state, Graft.Weights.WeightsFormat.Safetensors);
        var run = RunFileParser.Load(RunFile(folder, "    weights: mine.safetensors\n    args: {hidden: [32, 16]}"));
        Assert.Equal(folder.File("mine.safetensors"), run.Models[0].Weights);
        RunExecutor.Validate(run);
        // The resolved run file (kept in the run directory) names the file absolutely, so it still loads from there.
        Assert.Contains("weights: " + folder.File("mine.safetensors"), run.Yaml);
    }

    [Fact]
    public void Weights_of_another_builder_are_refused_naming_the_key_and_both_builders()
    {
        using var folder = new WeightsFolder();
        var run = RunFileParser.Load(RunFile(folder, "    weights: SmallCnnWeights.FashionMnistV1"));
        var e = Assert.Throws<RunFileException>(() => RunExecutor.Validate(run));
        Assert.Contains("models[0].weights", e.Message);
        Assert.Contains("for builder 'small_cnn', not 'mlp'", e.Message);
    }

    [Fact]
    public void An_unknown_weights_name_is_refused_with_a_suggestion()
    {
        using var folder = new WeightsFolder();
        var run = RunFileParser.Load(RunFile(folder, "    weights: MlpWeights.IrisV2"));
        var e = Assert.Throws<RunFileException>(() => RunExecutor.Validate(run));
        Assert.Contains("Did you mean 'MlpWeights.IrisV1'", e.Message);
    }

    [Fact]
    public void Weights_options_replace_a_classifier_of_another_class_count()
    {
        using var folder = new WeightsFolder();
        var text = File.ReadAllText(RunFile(folder, "    weights: MlpWeights.IrisV1\n    weights_options: {replace_classifier: true, strict: false}"));
        var run = RunFileParser.Load(WriteRun(folder, text));
        Assert.True(run.Models[0].WeightsReplaceClassifier);
        Assert.False(run.Models[0].WeightsStrict);
        RunExecutor.Validate(run);
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Load(WriteRun(folder, text.Replace("strict: false", "strickt: false", StringComparison.Ordinal))));
        Assert.Contains("Did you mean 'strict'", e.Message);
    }
}
