using System.ComponentModel;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Losses;

/// <summary>
/// Binary cross-entropy of logits against 0/1 targets of the same shape (a trailing dimension of 1 on the logits is
/// dropped when the target lacks it), averaged over each sample's elements and then over the samples the mask selects.
/// </summary>
[Loss("binary_cross_entropy", Description = "Binary cross-entropy of logits against 0/1 targets (multi-label or binary), with an optional weight on positives.")]
public sealed class BinaryCrossEntropy : ILoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="posWeight">The weight of the positive term (above 1 favours recall); must be positive.</param>
    public BinaryCrossEntropy([Description("weight of the positive term; above 1 favours recall")] double posWeight = 1)
    {
        if (!(posWeight > 0) || double.IsInfinity(posWeight))
            throw new ArgumentException($"pos_weight must be a positive number; it is {posWeight}.", nameof(posWeight));
        PosWeight = posWeight;
    }

    /// <summary>The weight of the positive term.</summary>
    public double PosWeight { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; } = ["logits", "target"];

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null)
    {
        var (logits, target) = LossMath.Pair("binary_cross_entropy", InputNames, inputs);
        using var scope = NewDisposeScope();
        var (l, t) = LossMath.Align("binary_cross_entropy", logits, target);
        var m = LossMath.Mask(mask, l.shape[0], "binary_cross_entropy");
        if (m is not null) t = where(LossMath.Rows(m, t), t, zeros_like(t));
        var weight = PosWeight == 1 ? null : full([1L], PosWeight, dtype: l.dtype, device: l.device);
        var perElement = nn.functional.binary_cross_entropy_with_logits(l, t, reduction: nn.Reduction.None, pos_weights: weight);
        return LossMath.MaskedMean(LossMath.PerSample(perElement), m).MoveToOuterDisposeScope();
    }
}
