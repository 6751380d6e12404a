using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// The fraction of samples whose true class is among the <c>k</c> highest-scoring classes. Prediction: logits or
/// probabilities <c>[B, C]</c> with <c>C ≥ k</c>; target: class indices <c>[B]</c>.
/// </summary>
public sealed class TopKAccuracy : IMetric
{
    private long _correct;
    private long _total;

    /// <summary>Creates the metric.</summary>
    /// <param name="k">How many of the best-scoring classes may contain the true class (at least 1).</param>
    public TopKAccuracy(int k)
    {
        if (k < 1) throw new ArgumentException($"k must be at least 1; it is {k}.", nameof(k));
        K = k;
    }

    /// <summary>How many of the best-scoring classes may contain the true class.</summary>
    public int K { get; }

    /// <summary>The name <c>top{k}</c>, e.g. <c>top5</c>.</summary>
    public string Name => $"top{K}";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        long batch = MetricInput.Batch(Name, prediction, target);
        if (prediction.dim() != 2 || target.dim() != 1 || target.shape[0] != batch)
            throw MetricInput.Mismatch(Name, prediction, target, "scores [B, C] with class indices [B]");
        if (prediction.shape[1] < K)
            throw MetricInput.Mismatch(Name, prediction, target, $"at least {K} classes in the prediction for top-{K} accuracy");
        if (!MetricInput.IsInteger(target.dtype))
            throw new ArgumentException($"{Name}: target shape {MetricInput.Shape(target)} must hold integer class indices for prediction shape {MetricInput.Shape(prediction)}; it is {target.dtype}.");
        var p = prediction.detach();
        var m = MetricInput.Mask(Name, mask, batch, p.device);
        var scores = MetricInput.Rows(p, m);
        var actual = MetricInput.Rows(target.detach().to(p.device), m).to_type(ScalarType.Int64);
        if (actual.numel() == 0) return;
        long low = actual.min().item<long>(), high = actual.max().item<long>();
        if (low < 0 || high >= scores.shape[1])
            throw new ArgumentException(
                $"{Name}: target class index {(low < 0 ? low : high)} is outside [0, {scores.shape[1]}) for prediction shape " +
                $"{MetricInput.Shape(prediction)} and target shape {MetricInput.Shape(target)}.");
        var (_, best) = scores.topk(K, dim: 1);
        _correct += best.eq(actual.unsqueeze(1)).any(1).sum().item<long>();
        _total += actual.numel();
    }

    /// <inheritdoc />
    public double Compute() => _total == 0 ? double.NaN : (double)_correct / _total;

    /// <inheritdoc />
    public void Reset()
    {
        _correct = 0;
        _total = 0;
    }
}
