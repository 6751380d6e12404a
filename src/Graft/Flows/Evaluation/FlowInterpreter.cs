using System.Globalization;
using System.Text;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Flows.Composition;
using static TorchSharp.torch;

namespace Graft.Flows.Evaluation;

/// <summary>One sample with its loss for a task.</summary>
/// <param name="Index">The sample's index in the dataset.</param>
/// <param name="Loss">The task's loss on it.</param>
public sealed record InterpretedSample(long Index, double Loss);

/// <summary>The best and worst samples of one task by per-sample loss.</summary>
/// <param name="TaskPath">The task's path.</param>
/// <param name="Best">The samples with the lowest loss, lowest first.</param>
/// <param name="Worst">The samples with the highest loss, highest first.</param>
/// <param name="Samples">How many samples counted (label available, preconditions holding in the ground truth).</param>
public sealed record TaskInterpretation(string TaskPath, IReadOnlyList<InterpretedSample> Best, IReadOnlyList<InterpretedSample> Worst, long Samples);

/// <summary>
/// Interpretations: for every task, the inputs it handles best and worst by per-sample loss, counting only samples whose
/// label is available and whose preconditions hold in the ground truth.
/// </summary>
public static class FlowInterpreter
{
    /// <summary>Interprets <paramref name="flow"/> on the samples <paramref name="indices"/> of <paramref name="data"/> (all when null).</summary>
    public static IReadOnlyList<TaskInterpretation> Interpret(CompiledFlow flow, IDataset data, IReadOnlyList<long>? indices = null, int count = 5, int batchSize = 256)
    {
        var losses = flow.Tasks.ToDictionary(t => t.Path, _ => new List<InterpretedSample>());
        flow.ForEachEvaluationBatch(data, indices, batchSize, (b, logits, gt) =>
        {
            var masks = flow.TrainingMasks(gt, b.Size);
            foreach (var t in flow.Tasks)
            {
                var mask = masks[t.Path].data<bool>().ToArray();
                if (!mask.Any(m => m)) continue;
                var perSample = t.Task!.PerSampleLoss(logits[t.Path], t.Task.Sanitize(gt[t.Path].Values, masks[t.Path])).to_type(ScalarType.Float64).data<double>().ToArray();
                for (int i = 0; i < mask.Length; i++)
                    if (mask[i]) losses[t.Path].Add(new InterpretedSample(b.Indices[i], perSample[i]));
            }
        });

        return flow.Tasks.Select(t =>
        {
            var all = losses[t.Path];
            return new TaskInterpretation(t.Path, all.OrderBy(s => s.Loss).ThenBy(s => s.Index).Take(count).ToList(),
                all.OrderByDescending(s => s.Loss).ThenBy(s => s.Index).Take(count).ToList(), all.Count);
        }).ToList();
    }

    /// <summary>
    /// Writes the best and worst inputs of every task as TensorBoard images (<c>&lt;task&gt;/best_0</c>, <c>&lt;task&gt;/worst_0</c>, ...)
    /// when the flow reads image features (<c>[1 or 3, height, width]</c>); returns the number of images written.
    /// </summary>
    public static int WriteImages(IReadOnlyList<TaskInterpretation> interpretations, CompiledFlow flow, IDataset data, Graft.Training.Logging.TensorBoard.TensorBoardWriter writer, long step)
    {
        var images = flow.Features.Where(f => data.Schema.Feature(f).SampleShape is { Length: 3 } s && s[0] is 1 or 3).ToList();
        if (images.Count == 0) return 0;
        int written = 0;
        foreach (var i in interpretations)
        {
            foreach (var (kind, samples) in new[] { ("best", i.Best), ("worst", i.Worst) })
            {
                if (samples.Count == 0) continue;
                using var batch = data.GetBatch(samples.Select(s => s.Index).ToArray());
                for (int k = 0; k < samples.Count; k++)
                {
                    using var pixels = batch.Features[images[0]][k];
                    writer.AddImage($"{i.TaskPath}/{kind}_{k}", pixels, step);
                    written++;
                }
            }
        }

        return written;
    }

    /// <summary>The interpretations as Markdown: per task, the best and worst sample indices with their losses.</summary>
    public static string ToMarkdown(IReadOnlyList<TaskInterpretation> interpretations)
    {
        var sb = new StringBuilder("| task_path | samples | best (index: loss) | worst (index: loss) |\n|:---|---:|:---|:---|\n");
        static string List(IEnumerable<InterpretedSample> s) => string.Join(", ", s.Select(x => x.Index.ToString(CultureInfo.InvariantCulture) + ": " + x.Loss.ToString("0.####", CultureInfo.InvariantCulture)));
        foreach (var i in interpretations) sb.Append(CultureInfo.InvariantCulture, $"| {i.TaskPath} | {i.Samples} | {List(i.Best)} | {List(i.Worst)} |\n");
        return sb.ToString();
    }
}
