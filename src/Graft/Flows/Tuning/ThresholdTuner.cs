using System.Text.Json;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using static TorchSharp.torch;

namespace Graft.Flows.Tuning;

/// <summary>How thresholds are tuned.</summary>
/// <param name="Metric">What to maximise: <c>f1</c> (default), <c>accuracy</c>, <c>precision</c> or <c>recall</c>.</param>
/// <param name="Steps">Candidate thresholds: 1/Steps, 2/Steps, ... (Steps − 1)/Steps.</param>
public sealed record ThresholdTuningOptions(string Metric = "f1", int Steps = 100)
{
    /// <summary>The metrics thresholds can be tuned for.</summary>
    public static IReadOnlyList<string> MetricNames { get; } = new[] { "f1", "accuracy", "precision", "recall" };

    /// <summary>Throws <see cref="ArgumentException"/> for an unknown metric or too few steps.</summary>
    public void Validate()
    {
        if (!MetricNames.Contains(Metric)) throw new ArgumentException($"Thresholds can be tuned for {string.Join(", ", MetricNames)}; not '{Metric}'.{Graft.Text.Suggestions.DidYouMean(Metric, MetricNames)}");
        if (Steps < 2) throw new ArgumentException($"Threshold tuning needs at least 2 steps; it has {Steps}.");
    }
}

/// <summary>
/// Tunes the decision thresholds of binary and multi-label tasks on validation data, each on the samples where its label
/// is available and its preconditions hold in the ground truth. The thresholds are set on the tasks (so decoders,
/// evaluations and explanations use them) and can be saved with the run as <c>thresholds.json</c>.
/// </summary>
/// <example>
/// <code>
/// var thresholds = ThresholdTuner.Tune(compiled, data, split.Validation);
/// ThresholdTuner.Save(Path.Combine(runDir, ThresholdTuner.FileName), thresholds);
/// </code>
/// </example>
public static class ThresholdTuner
{
    /// <summary>The file name thresholds are saved under in a run directory.</summary>
    public const string FileName = "thresholds.json";

    /// <summary>Tunes every thresholded task of <paramref name="flow"/> and applies the result; returns the thresholds by task path.</summary>
    public static IReadOnlyDictionary<string, double[]> Tune(CompiledFlow flow, IDataset data, IReadOnlyList<long>? indices = null, ThresholdTuningOptions? options = null)
    {
        options ??= new ThresholdTuningOptions();
        options.Validate();
        var tasks = flow.Tasks.Where(t => t.Task is IThresholdedTask).ToList();
        var scores = tasks.ToDictionary(t => t.Path, t => Enumerable.Range(0, ((IThresholdedTask)t.Task!).Outputs).Select(_ => new List<(float P, bool Y)>()).ToArray());
        flow.ForEachEvaluationBatch(data, indices, 256, (b, logits, gt) =>
        {
            var masks = flow.TrainingMasks(gt, b.Size);
            foreach (var t in tasks)
            {
                long n = b.Size;
                var p = t.Task!.Activate(logits[t.Path]).reshape(n, -1).to_type(ScalarType.Float32).data<float>().ToArray();
                var y = gt[t.Path].Values.reshape(n, -1).to_type(ScalarType.Float32).data<float>().ToArray();
                var m = masks[t.Path].data<bool>().ToArray();
                var lists = scores[t.Path];
                int k = lists.Length;
                for (int i = 0; i < n; i++)
                    if (m[i])
                        for (int j = 0; j < k; j++) lists[j].Add((p[i * k + j], y[i * k + j] > 0.5f));
            }
        });

        var result = new Dictionary<string, double[]>();
        foreach (var t in tasks)
        {
            var task = (IThresholdedTask)t.Task!;
            var tuned = scores[t.Path].Select((list, j) => list.Count == 0 ? task.Thresholds[j] : Best(list, options)).ToArray();
            task.Thresholds = tuned;
            result[t.Path] = tuned;
        }

        return result;
    }

    /// <summary>The value of <paramref name="metric"/> when <paramref name="samples"/> are decided at <paramref name="threshold"/>.</summary>
    public static double Score(IReadOnlyList<(float P, bool Y)> samples, double threshold, string metric)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0;
        foreach (var (p, y) in samples)
        {
            bool predicted = p > threshold;
            if (predicted && y) tp++;
            else if (predicted) fp++;
            else if (y) fn++;
            else tn++;
        }

        return metric switch
        {
            "accuracy" => (double)(tp + tn) / Math.Max(1, tp + tn + fp + fn),
            "precision" => tp + fp == 0 ? 0 : (double)tp / (tp + fp),
            "recall" => tp + fn == 0 ? 0 : (double)tp / (tp + fn),
            _ => 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn),
        };
    }

    /// <summary>Writes thresholds (by task path) as JSON, atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, double[]> thresholds)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, JsonSerializer.Serialize(thresholds, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads thresholds saved by <see cref="Save"/> and sets them on the tasks of <paramref name="flow"/>.</summary>
    public static IReadOnlyDictionary<string, double[]> Load(string path, CompiledFlow flow)
    {
        var thresholds = JsonSerializer.Deserialize<Dictionary<string, double[]>>(File.ReadAllText(path))
                         ?? throw new InvalidDataException($"{path}: not a thresholds file.");
        foreach (var (taskPath, values) in thresholds)
        {
            if (flow.Node(taskPath).Task is not IThresholdedTask task) throw new InvalidDataException($"{path}: task '{taskPath}' has no thresholds.");
            task.Thresholds = values;
        }

        return thresholds;
    }

    private static double Best(List<(float P, bool Y)> samples, ThresholdTuningOptions options)
    {
        double best = 0.5, bestScore = double.NegativeInfinity;
        for (int s = 1; s < options.Steps; s++)
        {
            double threshold = (double)s / options.Steps;
            double score = Score(samples, threshold, options.Metric);
            // Ties go to the threshold closest to 0.5.
            if (score > bestScore + 1e-12 || (Math.Abs(score - bestScore) <= 1e-12 && Math.Abs(threshold - 0.5) < Math.Abs(best - 0.5)))
                (best, bestScore) = (threshold, score);
        }

        return best;
    }
}
