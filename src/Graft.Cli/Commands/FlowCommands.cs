using System.CommandLine;
using System.Globalization;
using Graft.Flows.Explanation; // the nodes FlowRunner.Explain returns
using Graft.Runs.Execution;
using Spectre.Console;

namespace Graft.Cli.Commands;

/// <summary><c>graft tune</c> and <c>graft explain</c> for task-flow runs, and the per-task evaluation table.</summary>
internal static class FlowCommands
{
    public static Command CreateTune(IAnsiConsole console, TextWriter error)
    {
        var dir = new Argument<string>("run-dir") { Description = "A flow run directory written by graft train." };
        var metric = new Option<string>("--metric") { Description = $"What to maximise: {string.Join(", ", FlowRunner.TunableMetrics)}.", DefaultValueFactory = _ => "f1" };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        var command = new Command("tune", "Tune the thresholds of a flow run's binary and multi-label tasks on validation data (precondition-filtered); saves thresholds.json, which eval, predict and explain apply.") { dir, metric, checkpoint };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var which = Checkpoint(parse.GetValue(checkpoint)!);
            var m = parse.GetValue(metric)!;
            var results = FlowRunner.Tune(parse.GetValue(dir)!, m, which);
            var table = new Table().Title($"thresholds tuned for {Markup.Escape(m)} (validation)").AddColumns("task_path", "thresholds", m + " before", m + " after");
            foreach (var (task, thresholds, before, after) in results)
                table.AddRow(Markup.Escape(task), string.Join(" ", thresholds.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture))), Number(before), Number(after));
            console.Write(table);
            console.MarkupLine($"saved {Markup.Escape(Path.Combine(parse.GetValue(dir)!, FlowRunner.ThresholdsFile))}");
            return 0;
        }));
        return command;
    }

    public static Command CreateExplain(IAnsiConsole console, TextWriter error)
    {
        var dir = new Argument<string>("run-dir") { Description = "A flow run directory written by graft train." };
        var samples = new Option<long[]>("--sample") { Description = "A dataset index to explain (repeatable); default: the first test samples.", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--count") { Description = "How many test samples to explain when no --sample is given.", DefaultValueFactory = _ => 3 };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        var command = new Command("explain", "Print tree explanations of samples of a flow run: decoded answers, activations and logits per task, branches pruned where predicted preconditions fail.") { dir, samples, count, checkpoint };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var trees = FlowRunner.Explain(parse.GetValue(dir)!, parse.GetValue(samples), parse.GetValue(count), Checkpoint(parse.GetValue(checkpoint)!));
            var root = new Tree("[bold]explanations[/]");
            foreach (var t in trees) Add(root.AddNode(Markup.Escape(t.Text)), t.Children);
            console.Write(root);
            return 0;
        }));
        return command;
    }

    /// <summary>Prints the per-task evaluation of a flow run (ground-truth and predicted preconditions).</summary>
    public static void PrintEvaluation(IAnsiConsole console, FlowRunEvaluation evaluation)
    {
        foreach (var (e, source) in new[] { (evaluation.GroundTruth, "ground truth"), (evaluation.Predictions, "predictions") })
        {
            var title = $"{evaluation.Split}: preconditions from {source}";
            var table = new Table().Title(Markup.Escape(title)).AddColumns("", "task_path", "metric", "value", "samples");
            for (int i = 0; i < e.Rows.Count; i++)
            {
                var r = e.Rows[i];
                table.AddRow(i.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.TaskPath), Markup.Escape(r.Metric), Number(r.Value), r.Samples.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }
    }

    private static void Add(IHasTreeNodes parent, IReadOnlyList<ExplanationNode> children)
    {
        foreach (var c in children) Add(parent.AddNode(Markup.Escape(c.Text)), c.Children);
    }

    private static string Checkpoint(string which) => which is "best" or "last" ? which : throw new ArgumentException($"--checkpoint must be best or last; it is '{which}'.");

    private static string Number(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);
}
