using System.CommandLine;
using System.Globalization;
using Graft.Runs.Execution;
using Graft.Runs.RunFiles;
using Graft.Training;
using Spectre.Console;

namespace Graft.Cli.Commands;

/// <summary><c>graft train</c> and <c>graft eval</c>.</summary>
internal static class TrainCommands
{
    public static Command CreateTrain(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var file = new Argument<string?>("run-file") { Description = "The run file (YAML).", Arity = ArgumentArity.ZeroOrOne };
        var set = new Option<string[]>("--set") { Description = "Override a value of the run file: key.path=value (repeatable), e.g. --set training.epochs=1." };
        var dev = new Option<bool>("--dev") { Description = "Train on the small dev subset, for quick debugging." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this run directory from its last checkpoint." };
        var plain = new Option<bool>("--plain") { Description = "Plain log lines instead of a live progress bar." };
        var reproduce = new Option<string?>("--reproduce") { Description = "Train again as this run directory's run.yaml says, initialised from exactly the pool entries it consulted (pretraining.json), into <run-dir>-reproduced unless --set logging.run_dir=..." };
        var command = new Command("train", "Train as a run file says; writes checkpoints, TensorBoard events, metrics.json and curves.png to the run directory.") { file, set, dev, resume, plain, reproduce };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var resumeDir = parse.GetValue(resume);
            var path = parse.GetValue(file);
            var overrides = (parse.GetValue(set) ?? Array.Empty<string>()).ToList();
            if (resumeDir is not null)
            {
                if (path is not null) throw new ArgumentException("give either a run file or --resume <run-dir>, not both.");
                path = Path.Combine(resumeDir, RunExecutor.ResolvedRunFile);
                if (!File.Exists(path)) throw new ArgumentException($"--resume {resumeDir}: not a run directory (it has no {RunExecutor.ResolvedRunFile}).");
                overrides.Insert(0, "logging.run_dir=" + Path.GetFullPath(resumeDir));
            }

            IReadOnlyDictionary<string, RecordedInitialisation>? consulted = null;
            if (parse.GetValue(reproduce) is { } original)
            {
                if (path is not null || resumeDir is not null) throw new ArgumentException("give one of a run file, --resume <run-dir> or --reproduce <run-dir>.");
                path = Path.Combine(original, RunExecutor.ResolvedRunFile);
                if (!File.Exists(path)) throw new ArgumentException($"--reproduce {original}: not a run directory (it has no {RunExecutor.ResolvedRunFile}).");
                consulted = RunExecutor.RecordedInitialisations(original);
                overrides.Insert(0, "logging.run_dir=" + Path.GetFullPath(original).TrimEnd('/') + "-reproduced");
            }

            if (path is null) throw new ArgumentException("name a run file, e.g. graft train examples/fashion-mnist/run.yaml");
            var run = RunFileParser.Load(path, overrides);
            var mode = parse.GetValue(plain) || !ReferenceEquals(output, Console.Out) ? ProgressMode.Lines : ProgressMode.Auto;
            console.MarkupLine($"[bold]graft train[/] {Markup.Escape(path)} -> {Markup.Escape(run.Logging.RunDirectory)}");
            var result = RunExecutor.Train(run, new RunOptions(parse.GetValue(dev), resumeDir is not null, mode, output) { Reproduce = consulted });
            if (run.Flow is not null)
            {
                var evaluation = FlowRunner.Evaluate(result.RunDirectory);
                FlowCommands.PrintEvaluation(console, evaluation);
                console.MarkupLine($"per-task evaluation saved as evaluation.csv/.md and evaluation-predicted.csv/.md; interpretations.md; tune thresholds with: graft tune {Markup.Escape(result.RunDirectory)}");
                return 0;
            }

            PrintMetrics(console, "result", result.Training.Final.Concat(result.Test));
            if (result.Training.StoppedEarly) console.MarkupLine("stopped early: the monitored metric stopped improving.");
            if (result.Test.TryGetValue("test.accuracy", out var acc))
                console.MarkupLine($"[bold]test accuracy {acc.ToString("0.0000", CultureInfo.InvariantCulture)}[/] (best checkpoint)");
            return 0;
        }));
        return command;
    }

    public static Command CreateEval(IAnsiConsole console, TextWriter error)
    {
        var dir = new Argument<string>("run-dir") { Description = "A run directory written by graft train." };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        var command = new Command("eval", "Evaluate a run's checkpoint on its validation and test data.") { dir, checkpoint };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var which = parse.GetValue(checkpoint)!;
            if (which is not ("best" or "last")) throw new ArgumentException($"--checkpoint must be best or last; it is '{which}'.");
            if (FlowRunner.IsFlowRun(parse.GetValue(dir)!))
            {
                FlowCommands.PrintEvaluation(console, FlowRunner.Evaluate(parse.GetValue(dir)!, which));
                console.MarkupLine($"saved evaluation.csv, evaluation.md, evaluation-predicted.csv and evaluation-predicted.md in {Markup.Escape(parse.GetValue(dir)!)}");
                return 0;
            }

            var metrics = RunExecutor.Evaluate(parse.GetValue(dir)!, which);
            PrintMetrics(console, $"{which} checkpoint", metrics);
            return 0;
        }));
        return command;
    }

    public static Command CreateValidate(IAnsiConsole console, TextWriter error)
    {
        var file = new Argument<string>("run-file") { Description = "The run file (YAML)." };
        var set = new Option<string[]>("--set") { Description = "Override a value: key.path=value (repeatable)." };
        var command = new Command("validate", "Check a run file without training: keys, data, models, shapes (one batch as a dry run), losses and metrics.") { file, set };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var path = parse.GetValue(file)!;
            var run = RunFileParser.Load(path, parse.GetValue(set) ?? Array.Empty<string>());
            var report = RunExecutor.Validate(run);
            var tree = new Tree($"[bold]{Markup.Escape(path)}[/]: {report.Samples.ToString("N0", CultureInfo.InvariantCulture)} training samples");
            foreach (var m in report.Models)
            {
                var node = tree.AddNode($"[bold]{Markup.Escape(m.Name)}[/] ({Markup.Escape(m.Builder)}, {m.Parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters{(m.Trained ? "" : ", frozen")})");
                if (m.Weights is not null) node.AddNode("weights " + Markup.Escape(m.Weights));
                foreach (var i in m.Inputs) node.AddNode("in  " + Markup.Escape(i));
                foreach (var o in m.Outputs) node.AddNode("out " + Markup.Escape(o));
            }

            tree.AddNode("losses: " + Markup.Escape(string.Join(", ", report.Losses)));
            tree.AddNode("metrics: " + Markup.Escape(report.Metrics.Count == 0 ? "(none)" : string.Join(", ", report.Metrics)));
            console.Write(tree);
            console.MarkupLine("[green]valid[/]");
            return 0;
        }));
        return command;
    }

    public static Command CreatePredict(IAnsiConsole console, TextWriter error)
    {
        var dir = new Argument<string>("run-dir") { Description = "A run directory written by graft train." };
        var data = new Option<string>("--data") { Description = "The samples to predict (any data source graft reads).", Required = true };
        var output = new Option<string>("--output") { Description = "The CSV file to write.", DefaultValueFactory = _ => "predictions.csv" };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        var command = new Command("predict", "Write a run's predictions for new data to CSV, decoded (class names and probabilities, values).") { dir, data, output, checkpoint };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var which = parse.GetValue(checkpoint)!;
            if (which is not ("best" or "last")) throw new ArgumentException($"--checkpoint must be best or last; it is '{which}'.");
            var target = parse.GetValue(output)!;
            long n = RunExecutor.Predict(parse.GetValue(dir)!, parse.GetValue(data)!, target, which);
            console.MarkupLine($"wrote {n.ToString(CultureInfo.InvariantCulture)} predictions to {Markup.Escape(target)}");
            return 0;
        }));
        return command;
    }

    private static void PrintMetrics(IAnsiConsole console, string title, IEnumerable<KeyValuePair<string, double>> metrics)
    {
        var table = new Table().Title(title).AddColumns("metric", "value");
        foreach (var (k, v) in metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            table.AddRow(Markup.Escape(k), double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture));
        console.Write(table);
    }
}
