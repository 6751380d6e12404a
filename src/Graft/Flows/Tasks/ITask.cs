using Graft.Training.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Flows.Tasks;

/// <summary>A metric a task reports, created fresh for every split.</summary>
/// <param name="Name">The metric's name (e.g. <c>accuracy</c>); logged as <c>&lt;task path&gt;.&lt;name&gt;</c>.</param>
/// <param name="Create">Makes a fresh metric; it is fed with <see cref="ITask.MetricPrediction"/> and the task's label.</param>
public sealed record TaskMetric(string Name, Func<IMetric> Create);

/// <summary>
/// One learnable task of a flow: its head, activation, decoder, loss, per-sample loss, metrics and the rule for which
/// labels are available. Implement it (or derive from <see cref="TaskBase"/>) to add a task kind of your own.
/// </summary>
/// <example>
/// <code>
/// var tasks = new ITask[] { new BinaryTask("camera_blocked"), new BoundedRegressionTask("face_x1", scale: 32) };
/// </code>
/// </example>
public interface ITask
{
    /// <summary>The task's name, unique in a flow project (e.g. <c>door_open</c>).</summary>
    string Name { get; }

    /// <summary>The dataset label the task learns from (by default its name).</summary>
    string Label { get; }

    /// <summary>The kind, as run files name it (e.g. <c>binary</c>).</summary>
    string Kind { get; }

    /// <summary>Whether the task can stand as a precondition (<c>A | B</c>): its decoded value is a yes/no per sample.</summary>
    bool IsCondition { get; }

    /// <summary>Makes the head mapping the input (one sample of shape <paramref name="inputShape"/>) to the task's logits.</summary>
    nn.Module<Tensor, Tensor> CreateHead(long[] inputShape);

    /// <summary>The activation: logits to probabilities or values (sigmoid, softmax, sigmoid x scale, identity).</summary>
    Tensor Activate(Tensor logits);

    /// <summary>The decoder: activated values to the task's answer (thresholded flags, classes sorted by score, rescaled values).</summary>
    Tensor Decode(Tensor activated);

    /// <summary>The loss of each sample, <c>[B]</c>, for targets that are all available (missing ones are replaced by <see cref="Sanitize"/> first).</summary>
    Tensor PerSampleLoss(Tensor logits, Tensor target);

    /// <summary>
    /// The task's loss: the mean per-sample loss over the samples in <paramref name="mask"/> (label available and
    /// preconditions holding); exactly zero, with zero gradient, when no sample counts.
    /// </summary>
    Tensor Loss(Tensor logits, Tensor target, Tensor mask) =>
        Graft.Training.Losses.MaskedLosses.MaskedMean(PerSampleLoss(logits, Sanitize(target, mask)), mask);

    /// <summary>Which samples carry a usable label: the dataset's mask, and (when the task declares one) no sentinel value.</summary>
    Tensor Available(Tensor values, Tensor mask);

    /// <summary>Replaces the targets of unavailable samples by harmless values, so that the loss stays finite.</summary>
    Tensor Sanitize(Tensor target, Tensor available);

    /// <summary>Whether the task's answer is yes per sample (<c>bool [B]</c>), from ground-truth values or from decoded predictions.</summary>
    Tensor Holds(Tensor values);

    /// <summary>What the task's metrics are fed with, from the logits (logits for classification, decoded values for regression).</summary>
    Tensor MetricPrediction(Tensor logits);

    /// <summary>The metrics reported for the task.</summary>
    IReadOnlyList<TaskMetric> Metrics { get; }

    /// <summary>A placeholder label for <paramref name="count"/> samples of data that lacks the task's label (all missing).</summary>
    Tensor EmptyLabel(long count);
}

/// <summary>Tasks whose decoder thresholds probabilities (binary and multi-label): thresholds can be tuned.</summary>
public interface IThresholdedTask : ITask
{
    /// <summary>The decision thresholds on the activated values, one per output (0.5 by default).</summary>
    double[] Thresholds { get; set; }

    /// <summary>The number of thresholded outputs (1 for binary, K for multi-label).</summary>
    int Outputs { get; }
}
