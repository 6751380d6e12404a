using System.Text.Json.Nodes;
using Graft.Cli;
using Graft.Flows.Composition;
using Graft.Runs.RunFiles;

namespace Graft.Tests.Flows;

public class FlowRunFileTests
{
    private const string Head = """
        data: {source: security-camera, limit: 300}
        split: {validation: 0.2, test: 0.2, seed: 1}
        training: {epochs: 1, batch_size: 32, threads: 1}
        logging: {tensorboard: false, curves: false}
        encoders:
          - {name: features, input: image, builder: mlp, size: 16, args: {hidden: [32]}}
        """;

    private static RunFile Parse(string body) => RunFileParser.Parse(Head + "\n" + body, "/tmp/flow-run.yaml");

    [Fact]
    public void The_security_camera_example_declares_its_tasks_and_nested_flows()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Graft.sln"))) root = root.Parent!;
        var run = RunFileParser.Load(Path.Combine(root.FullName, "examples", "security-camera", "run.yaml"));
        Assert.NotNull(run.Flow);
        Assert.Equal(14, run.Flow!.Tasks.Count);
        Assert.Equal("full_flow", run.Flow.Root);
        Assert.Empty(run.Models);
        var built = Graft.Runs.Execution.FlowRunner.BuildProject(run.Flow, run.Path).Build(run.Flow.Root);
        Assert.Contains(built.Leaves(), n => n.Path == "person_regression.face_regression.face_x1");
    }

    [Fact]
    public void A_flow_line_that_does_not_parse_is_reported_with_line_column_and_key()
    {
        var e = Assert.Throws<RunFileException>(() => Parse("""
            tasks: {camera_blocked: binary, door_open: binary}
            flows:
              - camera_blocked(features)
              - door_open(features | ~camera_blocked
            """));
        Assert.Contains("/tmp/flow-run.yaml:10:", e.Message);
        Assert.Contains("flows[1]", e.Message);
        Assert.Contains("expected ')'", e.Message);
    }

    [Fact]
    public void A_misspelt_task_in_a_flow_line_is_reported_with_its_line_and_a_suggestion()
    {
        var e = Assert.Throws<RunFileException>(() => Parse("""
            tasks: {camera_blocked: binary, door_open: binary}
            flows:
              - camera_blocked(features)
              - door_open(features) | ~camera_blockd
            """));
        Assert.Contains(":10:", e.Message);
        Assert.Contains("camera_blocked", e.Message);
    }

    [Fact]
    public void An_unknown_task_option_is_reported_with_a_suggestion()
    {
        var e = Assert.Throws<RunFileException>(() => Parse("""
            tasks:
              face_x1: {kind: bounded_regression, sclae: 32}
            flows: [face_x1(features)]
            """));
        Assert.Contains("tasks.face_x1.sclae", e.Message);
        Assert.Contains("scale", e.Message);
    }

    [Fact]
    public void An_unknown_task_kind_is_reported_with_a_suggestion()
    {
        var e = Assert.Throws<RunFileException>(() => Parse("""
            tasks: {door_open: binnary}
            flows: [door_open(features)]
            """));
        Assert.Contains("tasks.door_open", e.Message);
        Assert.Contains("binary", e.Message);
    }

    [Fact]
    public void A_precondition_on_a_value_task_is_refused_at_its_line()
    {
        var e = Assert.Throws<RunFileException>(() => Parse("""
            tasks: {size: regression, door_open: binary}
            flows:
              - size(features)
              - door_open(features) | size
            """));
        Assert.Contains(":10:", e.Message);
        Assert.Contains("only binary tasks", e.Message);
    }

    [Fact]
    public void Flow_lines_parse_negation_conjunction_parentheses_and_several_preconditions()
    {
        var e = FlowExpression.Parse("person(features) | ~(blocked & dark) | open");
        Assert.Equal("person", e.Callee);
        Assert.Equal("features", e.Input);
        Assert.Equal(2, e.Preconditions.Count);
        Assert.Equal(new ConditionExpression.Not(new ConditionExpression.And(new ConditionExpression.Task("blocked"), new ConditionExpression.Task("dark"))), e.Preconditions[0]);
        Assert.Equal(13, Assert.Throws<FlowExpressionException>(() => FlowExpression.Parse("a(features) b")).Column);
    }

    [Fact]
    public void The_schema_describes_every_task_option_the_parser_reads()
    {
        var keys = new HashSet<string>();
        YamlSection.Observer = k => { lock (keys) keys.Add(k); };
        try
        {
            Parse("""
                task_weighting: uncertainty
                tasks:
                  t: {kind: bounded_regression, label: t, classes: 2, names: [a, b], scale: 2, values: 1, missing: -1, vocabulary_size: 2, ignore_index: -1, weight: 2}
                flows: [t(features)]
                """);
        }
        finally
        {
            YamlSection.Observer = null;
        }

        var task = RunFileSchema.Build()["properties"]!["tasks"]!["additionalProperties"]!["oneOf"]![1]!["properties"]!.AsObject();
        foreach (var k in keys.Where(k => k.StartsWith("tasks.t.", StringComparison.Ordinal)))
            Assert.True(task.ContainsKey(k["tasks.t.".Length..]), k);
        Assert.NotNull(RunFileSchema.Build()["properties"]!["encoders"]!["items"]!["properties"]!["size"]);
    }
}

[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class FlowCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Graft.Tests.Cli.Cli.Run(args);

    [Fact]
    public void Two_files_labelled_for_different_tasks_are_appended_and_train_one_flow()
    {
        var dir = Path.Combine(Path.GetTempPath(), "graft-flow-concat-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            void Part(string name, string label, int column, ulong seed)
            {
                var x = TorchSharp.torch.randn(200, 4, generator: new TorchSharp.torch.Generator(seed));
                Graft.Data.Formats.NumPy.NpzWriter.Write(Path.Combine(dir, name), new Dictionary<string, TorchSharp.torch.Tensor>
                {
                    ["x"] = x, [label] = x[.., column].gt(0).to_type(TorchSharp.torch.ScalarType.Int64),
                });
            }

            Part("doors.npz", "door_open", 0, 1);
            Part("people.npz", "person_present", 1, 2);
            var runDir = Path.Combine(dir, "run");
            File.WriteAllText(Path.Combine(dir, "run.yaml"), $$$"""
                data: {source: doors.npz, concat: [people.npz]}
                split: {validation: 0.2, test: 0.2, seed: 1}
                training: {epochs: 8, batch_size: 32, threads: 1, lr: 0.05}
                logging: {run_dir: {{{runDir}}}, tensorboard: false, curves: false}
                tasks: {door_open: binary, person_present: binary}
                flows:
                  - door_open(x)
                  - person_present(x)
                """);
            var run = RunFileParser.Load(Path.Combine(dir, "run.yaml"));
            Graft.Runs.Execution.RunExecutor.Train(run, new Graft.Runs.Execution.RunOptions(Progress: Graft.Training.ProgressMode.None));
            var evaluation = Graft.Runs.Execution.FlowRunner.Evaluate(runDir).GroundTruth;
            var doors = evaluation.Rows.First(r => r.TaskPath == "door_open" && r.Metric == "accuracy");
            var people = evaluation.Rows.First(r => r.TaskPath == "person_present" && r.Metric == "accuracy");
            Assert.Equal(80, doors.Samples + people.Samples); // 400 samples, 20% test: every test sample counts for exactly one task
            Assert.True(doors.Value > 0.85 && people.Value > 0.85, evaluation.ToMarkdown());
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void A_flow_starts_its_encoder_from_the_pool_fits_its_heads_and_records_both()
    {
        var dir = Path.Combine(Path.GetTempPath(), "graft-flow-pool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var x = TorchSharp.torch.randn(400, 4, generator: new TorchSharp.torch.Generator(3));
            var door = x[.., 0].gt(0).to_type(TorchSharp.torch.ScalarType.Int64);
            var person = x[.., 1].gt(0).to_type(TorchSharp.torch.ScalarType.Int64);
            Graft.Data.Formats.NumPy.NpzWriter.Write(Path.Combine(dir, "scenes.npz"), new Dictionary<string, TorchSharp.torch.Tensor> { ["x"] = x, ["door_open"] = door, ["person_present"] = person });

            // The pool holds a perceptron trained on the same inputs for another question.
            var poolDir = Path.Combine(dir, "pool");
            using (var pool = new Graft.Pool.PretrainingPool(poolDir))
            {
                TorchSharp.torch.manual_seed(1);
                var trained = Graft.Tests.Pool.PoolTestKit.Train(new Graft.Models.Builders.Mlp(4, 2, [16]), x, x[.., 2].gt(0).to_type(TorchSharp.torch.ScalarType.Int64), epochs: 20);
                pool.AddModel(trained, x, x[.., 2].gt(0).to_type(TorchSharp.torch.ScalarType.Int64), "scenes-mlp");
            }

            var runDir = Path.Combine(dir, "run");
            File.WriteAllText(Path.Combine(dir, "run.yaml"), $$$"""
                data: {source: scenes.npz}
                split: {validation: 0.2, test: 0.2, seed: 1}
                training: {epochs: 2, batch_size: 32, threads: 1, lr: 0.05}
                logging: {run_dir: {{{runDir}}}, tensorboard: false, curves: false}
                pool: {dir: {{{poolDir}}}, budget: 30}
                encoders:
                  - {name: body, input: x, builder: mlp, size: 8, args: {hidden: [16]}}
                tasks: {door_open: binary, person_present: binary}
                flows:
                  - door_open(body)
                  - person_present(body) | door_open
                """);
            var log = new StringWriter();
            var run = RunFileParser.Load(Path.Combine(dir, "run.yaml"));
            Graft.Runs.Execution.RunExecutor.Train(run, new Graft.Runs.Execution.RunOptions(Progress: Graft.Training.ProgressMode.Lines, Log: log));

            Assert.Contains("pretraining encoder body: initialised from pool:scenes-mlp@1", log.ToString());
            var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "pretraining.json")))!;
            Assert.Equal("pool:scenes-mlp@1", record["encoders.body"]!["chosen"]!.GetValue<string>());
            var heads = record["heads"]!;
            Assert.True(heads["steps"]!.GetValue<int>() > 0, heads.ToJsonString());
            Assert.True(heads["loss_last"]!.GetValue<double>() < heads["loss_first"]!.GetValue<double>(), heads.ToJsonString());
            var recorded = Graft.Runs.Execution.RunExecutor.RecordedInitialisations(runDir);
            Assert.Equal(["pool:scenes-mlp@1"], recorded["encoders.body"].Consulted);
            Assert.Equal(heads["steps"]!.GetValue<int>(), recorded["heads"].DistillationSteps);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Train_tune_eval_explain_and_predict_work_on_a_flow_run()
    {
        var dir = Path.Combine(Path.GetTempPath(), "graft-flow-run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var runDir = Path.Combine(dir, "run");
            var file = Path.Combine(dir, "run.yaml");
            File.WriteAllText(file, $$$"""
                data: {source: security-camera, limit: 300}
                split: {validation: 0.2, test: 0.2, seed: 1}
                training: {epochs: 2, batch_size: 32, threads: 1, monitor: validation.door_open.accuracy}
                logging: {run_dir: {{{runDir}}}, curves: false}
                encoders:
                  - {name: features, input: image, builder: mlp, size: 16, args: {hidden: [32]}}
                tasks:
                  camera_blocked: binary
                  door_open: binary
                  face_x1: {kind: bounded_regression, scale: 32}
                  shirt_type: {kind: classification, classes: 7}
                task_weighting: uncertainty
                flows:
                  person:
                    - face_x1(features)
                    - shirt_type(features)
                  main:
                    - camera_blocked(features)
                    - door_open(features) | ~camera_blocked
                    - person(features) | door_open
                """);
            var train = Run("train", file);
            Assert.True(train.Code == 0, train.Err);
            Assert.Contains("preconditions from ground truth", train.Out);
            Assert.Contains("person.face_x1", train.Out);
            foreach (var name in new[] { "evaluation.csv", "evaluation.md", "evaluation-predicted.csv", "interpretations.md", "checkpoints/best.ckpt" })
                Assert.True(File.Exists(Path.Combine(runDir, name)), name);
            Assert.StartsWith("task_path,metric,value,samples\ncamera_blocked,accuracy,", File.ReadAllText(Path.Combine(runDir, "evaluation.csv")));
            // Per-task TensorBoard scalars by task path.
            var events = Directory.GetFiles(Path.Combine(runDir, "tensorboard", "validation"));
            var scalars = Graft.Training.Logging.TensorBoard.TensorBoardEventReader.ReadScalars(events[0]).Select(s => s.Tag).ToHashSet();
            Assert.Contains("person.face_x1.mae", scalars);
            Assert.Contains("loss.door_open", scalars);

            var interpretation = Graft.Training.Logging.TensorBoard.TensorBoardEventReader.FindEventFiles(Path.Combine(runDir, "tensorboard", "interpretation")).Single();
            Assert.Contains(Graft.Training.Logging.TensorBoard.TensorBoardEventReader.ReadTexts(interpretation), t => t.Tag == "interpretations");
            var bytes = File.ReadAllBytes(interpretation);
            Assert.True(bytes.AsSpan().IndexOf(new byte[] { 0x89, 0x50, 0x4E, 0x47 }) >= 0, "no PNG image in the interpretation events");

            var help = Run("--help");
            Assert.Contains("tune", help.Out);
            Assert.Contains("explain", help.Out);

            var tune = Run("tune", runDir);
            Assert.True(tune.Code == 0, tune.Err);
            Assert.True(File.Exists(Path.Combine(runDir, "thresholds.json")));
            var thresholds = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "thresholds.json")))!.AsObject();
            Assert.True(thresholds.ContainsKey("camera_blocked") && thresholds.ContainsKey("door_open"));

            var eval = Run("eval", runDir);
            Assert.True(eval.Code == 0, eval.Err);
            Assert.Contains("preconditions from predictions", eval.Out);

            var explain = Run("explain", runDir, "--sample", "0", "--sample", "1");
            Assert.True(explain.Code == 0, explain.Err);
            Assert.Contains("inp 0", explain.Out);
            Assert.Contains("camera_blocked | decoded:", explain.Out);

            var csv = Path.Combine(dir, "predictions.csv");
            var predict = Run("predict", runDir, "--data", "security-camera", "--output", csv);
            Assert.True(predict.Code == 0, predict.Err);
            Assert.StartsWith("index,camera_blocked,door_open,person.face_x1,person.shirt_type", File.ReadAllText(csv));

            var resumed = Run("train", "--resume", runDir, "--set", "training.epochs=3");
            Assert.True(resumed.Code == 0, resumed.Err);
            Assert.Equal(3, System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "metrics.json"))).RootElement.GetProperty("epochs").GetArrayLength());

            // Training again in the same directory drops thresholds tuned for the old weights.
            Assert.Equal(0, Run("train", file).Code);
            Assert.False(File.Exists(Path.Combine(runDir, "thresholds.json")));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}

[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class SecurityCameraExampleTests
{
    [Fact]
    public void The_security_camera_example_trains_on_its_dev_subset_and_validates()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Graft.sln"))) root = root.Parent!;
        var dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var run = RunFileParser.Load(Path.Combine(root.FullName, "examples", "security-camera", "run.yaml"),
                new[] { "training.epochs=1", "logging.run_dir=" + dir, "data.limit=600", "split.dev_size=128", "training.threads=2" });
            var report = Graft.Runs.Execution.RunExecutor.Validate(run);
            Assert.Contains(report.Models, m => m.Name == "features");
            Assert.Contains(report.Models.Last().Outputs, o => o.StartsWith("door_locked (binary) | ~door_open", StringComparison.Ordinal));
            var result = Graft.Runs.Execution.RunExecutor.Train(run, new Graft.Runs.Execution.RunOptions(Dev: true, Progress: Graft.Training.ProgressMode.None));
            Assert.True(result.Training.Final.ContainsKey("validation.door_open.accuracy"));
            Assert.True(result.Training.Final.ContainsKey("validation.loss.person_regression.face_regression.face_x1"));
            Assert.True(File.Exists(Path.Combine(dir, "evaluation.md")));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}

public class FlowReadmeTests
{
    [Fact]
    public void The_flow_run_file_excerpt_in_the_readme_parses()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Graft.sln"))) root = root.Parent!;
        var text = File.ReadAllText(Path.Combine(root.FullName, "README.md"));
        int section = text.IndexOf("## Task flows", StringComparison.Ordinal);
        int from = text.IndexOf("```yaml\n", section, StringComparison.Ordinal) + "```yaml\n".Length;
        int to = text.IndexOf("```", from, StringComparison.Ordinal);
        var run = RunFileParser.Parse("data: {source: security-camera}\n" + text[from..to], Path.Combine(root.FullName, "run.yaml"));
        Assert.Equal("full_flow", run.Flow!.Root);
        Assert.Equal(4, run.Flow.Tasks.Count);
    }
}
