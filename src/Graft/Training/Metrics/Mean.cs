using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// A running mean, typically of the loss. Through <see cref="Update"/> the prediction is either one scalar for the batch,
/// weighted by the batch size (the number of selected samples when a mask is given, otherwise the target's first
/// dimension), or one value per sample (<c>[B]</c>), each of the selected samples weighing 1. <see cref="Add"/> takes a
/// plain number and its weight. The result is the weighted mean of everything seen; a NaN value makes it NaN.
/// </summary>
public sealed class Mean : IMetric
{
    private double _sum;
    private double _weight;

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The name shown in logs (e.g. <c>loss</c>).</param>
    /// <param name="higherIsBetter">Whether a larger mean is better (false for a loss).</param>
    public Mean(string name = "loss", bool higherIsBetter = false)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("The name of a mean must not be empty.", nameof(name));
        Name = name;
        HigherIsBetter = higherIsBetter;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool HigherIsBetter { get; }

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        long batch = target.dim() == 0 ? 1 : target.shape[0];
        var values = prediction.detach();
        var m = MetricInput.Mask(Name, mask, batch, values.device);
        if (values.numel() == 1)
        {
            long weight = m is null ? batch : m.sum().item<long>();
            Add(values.to_type(ScalarType.Float64).item<double>(), weight);
            return;
        }
        if (values.dim() != 1 || values.shape[0] != batch)
            throw MetricInput.Mismatch(Name, prediction, target, "a scalar for the batch, or one value per sample [B] with B the target's first dimension");
        var selected = MetricInput.Rows(values, m).to_type(ScalarType.Float64);
        if (selected.numel() == 0) return;
        _sum += selected.sum().item<double>();
        _weight += selected.numel();
    }

    /// <summary>Adds a value with a weight (e.g. a batch's mean loss and its sample count). A zero weight is ignored.</summary>
    /// <param name="value">The value.</param>
    /// <param name="weight">Its weight; must not be negative.</param>
    public void Add(double value, double weight = 1)
    {
        if (weight < 0 || double.IsNaN(weight) || double.IsInfinity(weight))
            throw new ArgumentException($"{Name}: the weight must be a finite number not below 0; it is {weight}.", nameof(weight));
        if (weight == 0) return;
        _sum += value * weight;
        _weight += weight;
    }

    /// <inheritdoc />
    public double Compute() => _weight == 0 ? double.NaN : _sum / _weight;

    /// <inheritdoc />
    public void Reset()
    {
        _sum = 0;
        _weight = 0;
    }
}
