using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// The F1 score: the harmonic mean of precision and recall, 2·tp / (2·tp + fp + fn), averaged over classes as <see cref="Averaging"/> says.
/// Multi-class batches (scores <c>[B, C]</c>, class indices <c>[B]</c>) are decoded by argmax and every class counts.
/// Binary batches (logits <c>[B]</c> or <c>[B, 1]</c>, 0/1 targets) are thresholded at logit 0 and only the positive
/// class counts. Multi-label batches (logits <c>[B, K]</c>, 0/1 flags <c>[B, K]</c>) are thresholded at logit 0 and every
/// flag counts as a class. With <see cref="Averaging.Macro"/>, classes absent from both predictions and targets are left
/// out of the mean. A class with no true positives scores 0. The value is NaN when no class has anything to measure.
/// </summary>
public sealed class F1Score : IMetric
{
    private readonly ClassCounts _counts = new();

    /// <summary>Creates the metric.</summary>
    /// <param name="averaging">How per-class values are combined.</param>
    public F1Score(Averaging averaging = Averaging.Macro)
    {
        if (!Enum.IsDefined(averaging)) throw new ArgumentException($"Unknown averaging {(int)averaging}.", nameof(averaging));
        Averaging = averaging;
        Name = ClassCounts.NameFor("f1", averaging);
    }

    /// <summary>How per-class values are combined.</summary>
    public Averaging Averaging { get; }

    /// <summary>The name: <c>f1</c> for macro averaging, <c>f1_micro</c> or <c>f1_weighted</c> otherwise.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null) => _counts.Update(Name, prediction, target, mask);

    /// <inheritdoc />
    public double Compute() => _counts.Average(Averaging, static (tp, predicted, actual) => predicted + actual == 0 ? 0 : 2.0 * tp / (predicted + actual));

    /// <inheritdoc />
    public void Reset() => _counts.Reset();
}
