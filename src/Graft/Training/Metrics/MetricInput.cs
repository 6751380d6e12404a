using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>Shape checks and tensor preparation shared by the metrics. Call inside a dispose scope.</summary>
internal static class MetricInput
{
    /// <summary>A shape as text, e.g. <c>[4, 3]</c>.</summary>
    internal static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    internal static ArgumentException Mismatch(string metric, Tensor prediction, Tensor target, string expected) =>
        new($"{metric}: prediction shape {Shape(prediction)} does not fit target shape {Shape(target)}; expected {expected}.");

    /// <summary>The batch size of a prediction (its first dimension); a 0-d prediction is an error.</summary>
    internal static long Batch(string metric, Tensor prediction, Tensor target)
    {
        if (prediction.dim() == 0 || target.dim() == 0)
            throw Mismatch(metric, prediction, target, "tensors whose first dimension is the batch");
        return prediction.shape[0];
    }

    /// <summary>Checks the mask against the batch size and returns it as <c>bool [B]</c> on <paramref name="device"/>, or null.</summary>
    internal static Tensor? Mask(string metric, Tensor? mask, long batch, Device device)
    {
        if (mask is null) return null;
        if (mask.dim() != 1 || mask.shape[0] != batch)
            throw new ArgumentException($"{metric}: mask shape {Shape(mask)} does not match the batch; expected [{batch}].", nameof(mask));
        var m = mask.detach();
        if (m.dtype != ScalarType.Bool) m = m.ne(0);
        return m.to(device);
    }

    /// <summary>The rows of <paramref name="t"/> selected by <paramref name="mask"/> (all rows when null).</summary>
    internal static Tensor Rows(Tensor t, Tensor? mask) => mask is null ? t : t[mask];

    internal static bool IsInteger(ScalarType type) =>
        type is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    /// <summary>Copies a small 1-d tensor to a managed array of longs.</summary>
    internal static long[] ToLongs(Tensor t) => t.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
}
