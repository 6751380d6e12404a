using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// The precision: the fraction of predicted positives that are correct, tp / (tp + fp), averaged over classes as <see cref="Averaging"/> says.
/// Multi-class batches (scores <c>[B, C]</c>, class indices <c>[B]</c>) are decoded by argmax and every class counts.
/// Binary batches (logits <c>[B]</c> or <c>[B, 1]</c>, 0/1 targets) are thresholded at logit 0 and only the positive
/// class counts. Multi-label batches (logits <c>[B, K]</c>, 0/1 flags <c>[B, K]</c>) are thresholded at logit 0 and every
/// flag counts as a class. With <see cref="Averaging.Macro"/>, classes absent from both predictions and targets are left
/// out of the mean. A class with true samples but no predictions scores 0. The value is NaN when no class has anything to measure.
/// </summary>
public sealed class Precision : IMetric
{
    private readonly ClassCounts _counts = new();

    /// <summary>Creates the metric.</summary>
    /// <param name="averaging">How per-class values are combined.</param>
    public Precision(Averaging averaging = Averaging.Macro)
    {
        if (!Enum.IsDefined(averaging)) throw new ArgumentException($"Unknown averaging {(int)averaging}.", nameof(averaging));
        Averaging = averaging;
        Name = ClassCounts.NameFor("precision", averaging);
    }

    /// <summary>How per-class values are combined.</summary>
    public Averaging Averaging { get; }

    /// <summary>The name: <c>precision</c> for macro averaging, <c>precision_micro</c> or <c>precision_weighted</c> otherwise.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null) => _counts.Update(Name, prediction, target, mask);

    /// <inheritdoc />
    public double Compute() => _counts.Average(Averaging, static (tp, predicted, actual) => predicted == 0 ? 0 : (double)tp / predicted);

    /// <inheritdoc />
    public void Reset() => _counts.Reset();
}
