using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>Running sum of absolute or squared errors and the number of elements; shared by the regression metrics.</summary>
internal sealed class ErrorSums
{
    private readonly bool _squared;
    private double _sum;
    private long _count;

    internal ErrorSums(bool squared) => _squared = squared;

    /// <summary>The mean error over every element seen; NaN when none was.</summary>
    internal double Mean => _count == 0 ? double.NaN : _sum / _count;

    internal void Update(string metric, Tensor prediction, Tensor target, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long batch = MetricInput.Batch(metric, prediction, target);
        if (!Fits(prediction, target))
            throw MetricInput.Mismatch(metric, prediction, target, "equal shapes (a prediction [B, 1] also fits a target [B], and the other way round)");
        var p = prediction.detach().to_type(ScalarType.Float64).reshape(batch, -1);
        var t = target.detach().to(p.device).to_type(ScalarType.Float64).reshape(batch, -1);
        var m = MetricInput.Mask(metric, mask, batch, p.device);
        var diff = MetricInput.Rows(p - t, m);
        if (diff.numel() == 0) return;
        var errors = _squared ? diff.square() : diff.abs();
        _sum += errors.sum().item<double>();
        _count += diff.numel();
    }

    private static bool Fits(Tensor prediction, Tensor target)
    {
        if (prediction.shape.SequenceEqual(target.shape)) return true;
        bool column(Tensor a, Tensor b) => a.dim() == 2 && a.shape[1] == 1 && b.dim() == 1 && a.shape[0] == b.shape[0];
        return column(prediction, target) || column(target, prediction);
    }

    internal void Reset()
    {
        _sum = 0;
        _count = 0;
    }
}
