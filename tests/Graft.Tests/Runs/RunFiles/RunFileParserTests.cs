using Graft.Data;
using Graft.Runs.RunFiles;
using Graft.Training.Optimizers;
using Graft.Training.Schedules;

namespace Graft.Tests.Runs.RunFiles;

public class RunFileParserTests
{
    private const string Good = """
        data:
          source: iris
          labels: {target: class}
        split:
          validation: 0.2
          seed: 3
        training:
          epochs: 4
          batch_size: 16
          optimizer: {name: sgd, lr: 0.05, momentum: 0.8}
          schedule: {name: cosine, warmup_steps: 10}
          monitor: validation.accuracy
          early_stopping: {patience: 2}
        logging:
          run_dir: /tmp/graft-run-test
        models:
          - name: net
            builder: mlp
            args: {hidden: [8, 4]}
            inputs: [features]
            metrics: [accuracy, f1]
        """;

    [Fact]
    public void A_complete_run_file_is_read_into_typed_options()
    {
        var run = RunFileParser.Parse(Good, "run.yaml");
        Assert.Equal("iris", run.Data.Source);
        Assert.Equal(LabelKind.Class, run.Data.Labels["target"]);
        Assert.Equal(0.2, run.Split.Options.Validation);
        Assert.Equal(3, run.Split.Options.Seed);
        Assert.Equal(4, run.Training.Epochs);
        Assert.Equal(16, run.BatchSize);
        Assert.Equal(OptimizerKind.Sgd, run.Training.Optimizer!.Kind);
        Assert.Equal(0.8, run.Training.Optimizer.Momentum);
        Assert.Equal(ScheduleKind.Cosine, run.Training.Schedule!.Kind);
        Assert.Equal(10, run.Training.Schedule.WarmupSteps);
        Assert.Equal(2, run.Training.EarlyStopping!.Patience);
        Assert.Equal("/tmp/graft-run-test", run.Training.RunDirectory);
        var model = Assert.Single(run.Models);
        Assert.Equal(new[] { "8", "4" }, (List<string>)model.Args["hidden"]);
        Assert.Equal(new[] { "accuracy", "f1" }, model.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void A_misspelt_key_is_reported_with_its_line_and_the_key_it_probably_meant()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good.Replace("  epochs: 4", "  epoch: 4"), "run.yaml"));
        Assert.Equal(8, e.Line);
        Assert.Equal("training.epoch", e.Key);
        Assert.Contains("Did you mean 'epochs'?", e.Message);
        Assert.StartsWith("run.yaml:8:3: training.epoch: unknown key.", e.Message);
        Assert.Equal(3, e.Column);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_key_and_what_was_found()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good.Replace("batch_size: 16", "batch_size: lots"), "run.yaml"));
        Assert.Equal("training.batch_size", e.Key);
        Assert.Contains("expected a whole number, found 'lots'", e.Message);
        Assert.Equal(9, e.Line);
    }

    [Fact]
    public void An_unknown_optimizer_lists_the_known_ones_and_suggests_the_closest()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good.Replace("name: sgd", "name: adamm"), "run.yaml"));
        Assert.Contains("sgd, adam, adamw", e.Message);
        Assert.Contains("Did you mean 'adam'?", e.Message);
    }

    [Fact]
    public void Impossible_values_are_refused_with_the_setting_named()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good.Replace("lr: 0.05", "lr: -1"), "run.yaml"));
        Assert.Contains("training.optimizer.lr must be a positive number", e.Message);
    }

    [Fact]
    public void Overrides_replace_values_and_create_missing_sections()
    {
        var run = RunFileParser.Parse(Good, "run.yaml", new[] { "training.epochs=1", "training.optimizer.lr=0.5", "training.gradient_clip=2" });
        Assert.Equal(1, run.Training.Epochs);
        Assert.Equal(0.5, run.Training.Optimizer!.LearningRate);
        Assert.Equal(2, run.Training.GradientClipNorm);
        Assert.Contains("epochs: 1", run.Yaml);
    }

    [Fact]
    public void Training_lr_is_a_shorthand_for_the_optimizer_lr_but_not_both()
    {
        var plain = RunFileParser.Parse(Good.Replace("optimizer: {name: sgd, lr: 0.05, momentum: 0.8}", "optimizer: {name: sgd}"), "run.yaml", new[] { "training.lr=0.01" });
        Assert.Equal(0.01, plain.Training.Optimizer!.LearningRate);
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good, "run.yaml", new[] { "training.lr=0.01" }));
        Assert.Contains("given twice", e.Message);
    }

    [Fact]
    public void An_override_without_an_equals_sign_explains_the_form()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good, "run.yaml", new[] { "training.epochs" }));
        Assert.Contains("key.path=value", e.Message);
    }

    [Fact]
    public void Broken_yaml_reports_the_line()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse("data:\n  source: iris\n bad: [\n", "run.yaml"));
        Assert.Contains("not valid YAML", e.Message);
        Assert.True(e.Line >= 3);
    }

    [Fact]
    public void A_run_file_without_models_shows_an_example()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse("data:\n  source: iris\n", "run.yaml"));
        Assert.Equal("models", e.Key);
        Assert.Contains("builder:", e.Message);
    }

    [Fact]
    public void An_unknown_label_kind_lists_the_kinds()
    {
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(Good.Replace("{target: class}", "{target: klass}"), "run.yaml"));
        Assert.Equal("data.labels.target", e.Key);
        Assert.Contains("Did you mean 'class'?", e.Message);
    }

    [Fact]
    public void Relative_data_paths_are_resolved_against_the_run_file_folder()
    {
        var run = RunFileParser.Parse(Good.Replace("source: iris", "source: data/x.csv"), "/work/project/run.yaml");
        Assert.Equal("/work/project/data/x.csv", run.Data.Source);
    }
}

public class RunFileOverrideTests
{
    [Fact]
    public void An_override_can_address_a_model_by_name()
    {
        const string yaml = "data: {source: iris}\nmodels:\n  - name: enc\n    builder: mlp\n    args: {hidden: [4]}\n    inputs: [features]\n  - name: head\n    builder: mlp\n    inputs: [enc]\n";
        var run = RunFileParser.Parse(yaml, "run.yaml", new[] { "models.enc.args.hidden=[7,5]", "models.head.train=false" });
        Assert.Equal(new[] { "7", "5" }, (List<string>)run.Models[0].Args["hidden"]);
        Assert.False(run.Models[1].Train);
    }

    [Fact]
    public void An_override_naming_a_missing_model_says_so()
    {
        const string yaml = "data: {source: iris}\nmodels:\n  - {name: enc, builder: mlp, inputs: [features]}\n";
        var e = Assert.Throws<RunFileException>(() => RunFileParser.Parse(yaml, "run.yaml", new[] { "models.encoder.train=false" }));
        Assert.Contains("no entry of models is named 'encoder'", e.Message);
    }
}
