using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Training.Losses;

/// <summary>
/// Losses that count only the samples whose label is present (mask true). A batch in which no sample carries the
/// label contributes exactly zero (with a gradient of zero), never NaN. Whatever a missing sample's placeholder
/// holds (0, -1, NaN) has no effect on the loss or on the gradients.
/// </summary>
public static class MaskedLosses
{
    /// <summary>Cross-entropy of logits <c>[B, C]</c> against class indices <c>[B]</c>, averaged over present samples.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Tensor? mask = null)
    {
        if (logits.dim() != 2 || target.dim() != 1 || logits.shape[0] != target.shape[0])
            throw new ArgumentException($"cross_entropy: expected logits [B, C] and class indices [B]; got logits [{Shape(logits)}] and target [{Shape(target)}].");
        using var scope = NewDisposeScope();
        var m = Mask(mask, logits, "cross_entropy");
        // A missing sample's placeholder index may be anything (even out of range): replace it by class 0.
        var safeTarget = m is null ? target : where(m, target, zeros_like(target));
        var perSample = nn.functional.cross_entropy(logits, safeTarget, reduction: nn.Reduction.None);
        return MaskedMean(perSample, m).MoveToOuterDisposeScope();
    }

    /// <summary>Binary cross-entropy with logits, element-wise, averaged over present samples (and their elements).</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor? mask = null)
    {
        if (!logits.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"binary_cross_entropy: logits have shape [{Shape(logits)}] but the target has [{Shape(target)}].");
        using var scope = NewDisposeScope();
        var m = Mask(mask, logits, "binary_cross_entropy");
        var t = target.to_type(logits.dtype);
        if (m is not null) t = where(Rows(m, t), t, zeros_like(t));
        var perElement = nn.functional.binary_cross_entropy_with_logits(logits, t, reduction: nn.Reduction.None);
        var perSample = perElement.dim() > 1 ? perElement.flatten(1).mean(new long[] { 1 }) : perElement;
        return MaskedMean(perSample, m).MoveToOuterDisposeScope();
    }

    /// <summary>Mean squared error, averaged over present samples (and their elements).</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        bool squeeze = prediction.dim() == target.dim() + 1 && prediction.shape[^1] == 1;
        var shape = squeeze ? prediction.shape[..^1] : prediction.shape;
        if (!shape.SequenceEqual(target.shape))
            throw new ArgumentException($"mse: the prediction has shape [{Shape(prediction)}] but the target has [{Shape(target)}].");
        using var scope = NewDisposeScope();
        var p = squeeze ? prediction.squeeze(-1) : prediction;
        var m = Mask(mask, p, "mse");
        var t = target.to_type(p.dtype);
        // A missing sample's target may be a NaN placeholder: compare the prediction with itself there.
        if (m is not null) t = where(Rows(m, t), t, p.detach());
        var perElement = (p - t).square();
        var perSample = perElement.dim() > 1 ? perElement.flatten(1).mean(new long[] { 1 }) : perElement;
        return MaskedMean(perSample, m).MoveToOuterDisposeScope();
    }

    /// <summary>The mean of <paramref name="perSample"/> (<c>[B]</c>) over samples where <paramref name="mask"/> holds; zero when none does.</summary>
    public static Tensor MaskedMean(Tensor perSample, Tensor? mask)
    {
        if (mask is null) return perSample.mean();
        using var scope = NewDisposeScope();
        var m = Mask(mask, perSample, "masked mean")!;
        var weights = m.to_type(perSample.dtype);
        var safe = where(m, perSample, zeros_like(perSample));
        // An explicit scalar, alive across the native call (an implicit one can be finalised during it).
        using var one = 1.0.ToScalar();
        return ((safe * weights).sum() / weights.sum().clamp_min(one)).MoveToOuterDisposeScope();
    }

    private static Tensor? Mask(Tensor? mask, Tensor values, string loss)
    {
        if (mask is null) return null;
        if (values.dim() == 0 || mask.dim() != 1 || mask.shape[0] != values.shape[0])
            throw new ArgumentException($"{loss}: the mask has shape [{Shape(mask)}] but the values have [{Shape(values)}]; expected one flag per sample.");
        return mask.dtype == ScalarType.Bool ? mask : mask.ne(0);
    }

    /// <summary>The per-sample mask broadcast over the trailing dimensions of <paramref name="like"/>.</summary>
    private static Tensor Rows(Tensor mask, Tensor like) =>
        like.dim() <= 1 ? mask : mask.reshape(new[] { mask.shape[0] }.Concat(Enumerable.Repeat(1L, (int)like.dim() - 1)).ToArray()).expand(like.shape);

    private static string Shape(Tensor t) => string.Join(", ", t.shape);
}
