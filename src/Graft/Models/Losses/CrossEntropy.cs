using System.ComponentModel;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Losses;

/// <summary>
/// Cross-entropy of logits <c>[B, C]</c> (or <c>[B, C, ...]</c>) against class indices <c>[B]</c> (or <c>[B, ...]</c>),
/// or against class probabilities shaped like the logits, averaged over the samples the mask selects. A left-out
/// sample's placeholder index (even -1 or out of range) has no effect.
/// </summary>
[Loss("cross_entropy", Description = "Cross-entropy of class logits against class indices (or class probabilities), with optional label smoothing.")]
public sealed class CrossEntropy : ILoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="labelSmoothing">How much of the target's probability is spread evenly over all classes, in [0, 1).</param>
    public CrossEntropy([Description("share of the target probability spread evenly over all classes, in [0, 1)")] double labelSmoothing = 0)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentException($"label_smoothing must be in [0, 1); it is {labelSmoothing}.", nameof(labelSmoothing));
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The label smoothing.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; } = ["logits", "target"];

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null)
    {
        var (logits, target) = LossMath.Pair("cross_entropy", InputNames, inputs);
        bool soft = target.is_floating_point() && target.shape.SequenceEqual(logits.shape);
        bool indices = logits.dim() >= 2 && target.dim() == logits.dim() - 1 && target.shape.Skip(1).SequenceEqual(logits.shape.Skip(2));
        if (logits.dim() < 2 || !(soft || indices))
            throw new ArgumentException(
                $"cross_entropy: expected logits [B, C] with class indices [B] (or logits [B, C, ...] with indices [B, ...], or class probabilities shaped like the logits); got logits [{LossMath.Shape(logits)}] and target [{LossMath.Shape(target)}].");
        using var scope = NewDisposeScope();
        var m = LossMath.Mask(mask, logits.shape[0], "cross_entropy");
        var t = soft ? target.to_type(logits.dtype) : target.to_type(ScalarType.Int64);
        if (m is not null) t = where(LossMath.Rows(m, t), t, zeros_like(t));
        var perElement = nn.functional.cross_entropy(logits, t, reduction: nn.Reduction.None, label_smoothing: LabelSmoothing);
        return LossMath.MaskedMean(LossMath.PerSample(perElement), m).MoveToOuterDisposeScope();
    }
}
