using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// The mean absolute error: the mean of the absolute differences between prediction and target over every element of the selected samples.
/// Prediction and target have equal shapes, except that a prediction <c>[B, 1]</c> may meet a target <c>[B]</c> (and the
/// other way round). Sums are kept in double precision.
/// </summary>
public sealed class MeanAbsoluteError : IMetric
{
    private readonly ErrorSums _sums = new(squared: false);

    /// <inheritdoc />
    public string Name => "mae";

    /// <inheritdoc />
    public bool HigherIsBetter => false;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null) => _sums.Update(Name, prediction, target, mask);

    /// <inheritdoc />
    public double Compute() => _sums.Mean;

    /// <inheritdoc />
    public void Reset() => _sums.Reset();
}
