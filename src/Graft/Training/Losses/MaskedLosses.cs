using static TorchSharp.torch;

namespace Graft.Training.Losses;

/// <summary>
/// Losses that count only the samples whose label is present (mask true). A batch in which no sample carries the
/// label contributes exactly zero (with a gradient of zero), never NaN.
/// </summary>
public static class MaskedLosses
{
    /// <summary>Cross-entropy of logits <c>[B, C]</c> against class indices <c>[B]</c>, averaged over present samples.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Tensor? mask = null)
    {
        Check(logits, target, "cross_entropy", classes: true);
        var perSample = nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.None);
        return MaskedMean(perSample, mask);
    }

    /// <summary>Binary cross-entropy with logits, element-wise, averaged over present samples (and their elements).</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor? mask = null)
    {
        if (!logits.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"binary_cross_entropy: logits have shape [{string.Join(", ", logits.shape)}] but the target has [{string.Join(", ", target.shape)}].");
        var perElement = nn.functional.binary_cross_entropy_with_logits(logits, target.to_type(logits.dtype), reduction: nn.Reduction.None);
        var perSample = perElement.dim() > 1 ? perElement.flatten(1).mean(new long[] { 1 }) : perElement;
        return MaskedMean(perSample, mask);
    }

    /// <summary>Mean squared error, averaged over present samples (and their elements).</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        var p = prediction.dim() == target.dim() + 1 && prediction.shape[^1] == 1 ? prediction.squeeze(-1) : prediction;
        if (!p.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"mse: the prediction has shape [{string.Join(", ", prediction.shape)}] but the target has [{string.Join(", ", target.shape)}].");
        var perElement = (p - target.to_type(p.dtype)).square();
        var perSample = perElement.dim() > 1 ? perElement.flatten(1).mean(new long[] { 1 }) : perElement;
        return MaskedMean(perSample, mask);
    }

    /// <summary>The mean of <paramref name="perSample"/> over samples where <paramref name="mask"/> holds; zero when none does.</summary>
    public static Tensor MaskedMean(Tensor perSample, Tensor? mask)
    {
        if (mask is null) return perSample.mean();
        var weights = mask.to_type(perSample.dtype);
        var safe = where(mask, perSample, zeros_like(perSample));
        return (safe * weights).sum() / weights.sum().clamp_min(1.0);
    }

    private static void Check(Tensor logits, Tensor target, string name, bool classes)
    {
        if (classes && (logits.dim() != 2 || target.dim() != 1 || logits.shape[0] != target.shape[0]))
            throw new ArgumentException($"{name}: expected logits [B, C] and class indices [B]; got logits [{string.Join(", ", logits.shape)}] and target [{string.Join(", ", target.shape)}].");
    }
}
