using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// A streaming metric: <see cref="Update"/> folds one batch into running counts held as plain numbers (no tensor is
/// kept between calls), and <see cref="Compute"/> returns the value over every sample seen since the last
/// <see cref="Reset"/>. Streaming over several batches gives the same value as one update over their concatenation.
/// </summary>
public interface IMetric
{
    /// <summary>The metric's name as it appears in logs and run files (for example <c>accuracy</c> or <c>top5</c>).</summary>
    string Name { get; }

    /// <summary>Whether a larger value is a better model (true for accuracy, false for errors and losses).</summary>
    bool HigherIsBetter { get; }

    /// <summary>Folds one batch into the running counts. Predictions that carry gradients are detached first.</summary>
    /// <param name="prediction">The model's output for the batch; its first dimension is the batch.</param>
    /// <param name="target">The labels of the batch; its first dimension is the batch.</param>
    /// <param name="mask">Optional <c>bool [B]</c>: only samples whose bit is set count (missing labels are left out).</param>
    /// <exception cref="ArgumentException">The shapes do not fit each other or the metric; the message names both shapes and the metric.</exception>
    void Update(Tensor prediction, Tensor target, Tensor? mask = null);

    /// <summary>The value over everything seen since the last <see cref="Reset"/>; <see cref="double.NaN"/> when nothing was seen.</summary>
    double Compute();

    /// <summary>Forgets everything seen so far.</summary>
    void Reset();
}
