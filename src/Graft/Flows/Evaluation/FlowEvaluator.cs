using System.Globalization;
using System.Text;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using static TorchSharp.torch;

namespace Graft.Flows.Evaluation;

/// <summary>Where the preconditions of an evaluation come from.</summary>
public enum PreconditionSource
{
    /// <summary>The ground truth: a task is measured on the samples where its preconditions truly hold (as in training).</summary>
    GroundTruth,

    /// <summary>The decoded predictions: a task is measured where the model says its preconditions hold (as at inference).</summary>
    Predictions,
}

/// <summary>One metric of one task.</summary>
/// <param name="TaskPath">The task's path, e.g. <c>person_regression.face_regression.face_x1</c>.</param>
/// <param name="Metric">The metric's name.</param>
/// <param name="Value">Its value (NaN when no sample counted).</param>
/// <param name="Samples">The number of samples it was measured on.</param>
public sealed record TaskEvaluationRow(string TaskPath, string Metric, double Value, long Samples);

/// <summary>A per-task evaluation: one row per task and metric, as a table, CSV or Markdown.</summary>
/// <param name="Source">Where the preconditions came from.</param>
/// <param name="Rows">The rows, in flow order.</param>
public sealed record FlowEvaluation(PreconditionSource Source, IReadOnlyList<TaskEvaluationRow> Rows)
{
    /// <summary>The value of <paramref name="metric"/> for <paramref name="taskPath"/>.</summary>
    public double this[string taskPath, string metric] =>
        Rows.FirstOrDefault(r => r.TaskPath == taskPath && r.Metric == metric)?.Value
        ?? throw new KeyNotFoundException($"The evaluation has no metric '{metric}' for task '{taskPath}'.");

    /// <summary>The rows as CSV: <c>task_path,metric,value,samples</c>.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("task_path,metric,value,samples\n");
        foreach (var r in Rows) sb.Append(r.TaskPath).Append(',').Append(r.Metric).Append(',').Append(Format(r.Value)).Append(',').Append(r.Samples.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The rows as a Markdown table.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder("| | task_path | metric | value | samples |\n|---:|:---|:---|---:|---:|\n");
        for (int i = 0; i < Rows.Count; i++)
        {
            var r = Rows[i];
            sb.Append(CultureInfo.InvariantCulture, $"| {i} | {r.TaskPath} | {r.Metric} | {Format(r.Value)} | {r.Samples} |\n");
        }

        return sb.ToString();
    }

    /// <summary>Writes <c>&lt;name&gt;.csv</c> and <c>&lt;name&gt;.md</c> into <paramref name="directory"/>.</summary>
    public void Save(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        Atomic(Path.Combine(directory, name + ".csv"), ToCsv());
        Atomic(Path.Combine(directory, name + ".md"), ToMarkdown());
    }

    internal static string Format(double v) => double.IsNaN(v) ? "nan" : v.ToString("0.######", CultureInfo.InvariantCulture);

    private static void Atomic(string path, string text)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>
/// Per-task evaluation of a compiled flow: every task's metrics on the samples where its label is available and its
/// preconditions hold — in the ground truth, or according to the decoded predictions (as at inference). Binary and
/// multi-label tasks are measured with their (tuned) thresholds.
/// </summary>
/// <example>
/// <code>
/// var evaluation = FlowEvaluator.Evaluate(compiled, data, split.Test, PreconditionSource.Predictions);
/// evaluation.Save("runs/camera", "evaluation");
/// </code>
/// </example>
public static class FlowEvaluator
{
    /// <summary>Evaluates <paramref name="flow"/> on the samples <paramref name="indices"/> of <paramref name="data"/> (all when null).</summary>
    public static FlowEvaluation Evaluate(CompiledFlow flow, IDataset data, IReadOnlyList<long>? indices = null, PreconditionSource source = PreconditionSource.GroundTruth, int batchSize = 256)
    {
        var metrics = flow.Tasks.ToDictionary(t => t.Path, t => t.Task!.Metrics.Select(m => m.Create()).ToList());
        var counts = flow.Tasks.ToDictionary(t => t.Path, _ => 0L);
        flow.ForEachEvaluationBatch(data, indices, batchSize, (b, logits, gt) =>
        {
            var holds = source == PreconditionSource.GroundTruth ? flow.HoldsFromGroundTruth(gt) : flow.HoldsFromPredictions(logits);
            var gates = flow.Gates(holds, b.Size);
            foreach (var t in flow.Tasks)
            {
                var mask = gt[t.Path].Mask.logical_and(gates[t.Path].True);
                counts[t.Path] += mask.sum().item<long>();
                var prediction = MetricInput(t.Task!, logits[t.Path]);
                foreach (var m in metrics[t.Path]) m.Update(prediction, gt[t.Path].Values, mask);
            }
        });

        var rows = flow.Tasks.SelectMany(t => t.Task!.Metrics.Zip(metrics[t.Path], (spec, m) => new TaskEvaluationRow(t.Path, spec.Name, m.Compute(), counts[t.Path]))).ToList();
        return new FlowEvaluation(source, rows);
    }

    /// <summary>What a task's metrics read: thresholded tasks give ±1 "logits" from their decoded flags, so tuned thresholds count.</summary>
    internal static Tensor MetricInput(ITask task, Tensor logits) =>
        task is IThresholdedTask ? Signs(task.Decode(task.Activate(logits))) : task.MetricPrediction(logits);

    private static Tensor Signs(Tensor flags)
    {
        var d = flags.to_type(ScalarType.Float32);
        return d.add(d).sub(ones_like(d));
    }
}
