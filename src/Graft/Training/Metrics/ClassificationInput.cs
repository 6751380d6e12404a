using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>What a classification batch looks like.</summary>
internal enum ClassificationMode
{
    /// <summary>Logits or probabilities <c>[B, C]</c> with class indices <c>[B]</c>; decoded by argmax.</summary>
    MultiClass,

    /// <summary>Logits <c>[B]</c> or <c>[B, 1]</c> with 0/1 targets; decoded by thresholding at logit 0.</summary>
    Binary,

    /// <summary>Logits <c>[B, K]</c> with 0/1 flags <c>[B, K]</c>; each flag decoded by thresholding at logit 0.</summary>
    MultiLabel,
}

/// <summary>A decoded classification batch, masked rows already removed.</summary>
/// <param name="Mode">How the batch was read.</param>
/// <param name="Predicted">Multi-class: predicted class indices <c>int64 [N]</c>. Otherwise predicted flags <c>bool [N, K]</c> (K = 1 for binary).</param>
/// <param name="Actual">Multi-class: true class indices <c>int64 [N]</c>. Otherwise true flags <c>bool [N, K]</c>.</param>
/// <param name="Classes">The number of classes (multi-class) or flags per sample (K).</param>
internal readonly record struct DecodedBatch(ClassificationMode Mode, Tensor Predicted, Tensor Actual, long Classes);

/// <summary>Reads classification predictions and targets; call inside a dispose scope.</summary>
internal static class ClassificationInput
{
    private const string Expected =
        "logits [B, C] with class indices [B], logits [B, K] with 0/1 flags [B, K], or binary logits [B] or [B, 1] with 0/1 targets [B] or [B, 1]";

    internal static DecodedBatch Decode(string metric, Tensor prediction, Tensor target, Tensor? mask)
    {
        long batch = MetricInput.Batch(metric, prediction, target);
        if (target.shape[0] != batch) throw MetricInput.Mismatch(metric, prediction, target, Expected);
        var p = prediction.detach();
        var t = target.detach().to(p.device);
        var m = MetricInput.Mask(metric, mask, batch, p.device);

        bool predictionIsColumn = p.dim() == 1 || (p.dim() == 2 && p.shape[1] == 1);
        bool targetIsColumn = t.dim() == 1 || (t.dim() == 2 && t.shape[1] == 1);
        if (p.dim() == 2 && p.shape[1] > 1 && t.dim() == 1)
        {
            if (!MetricInput.IsInteger(t.dtype))
                throw new ArgumentException(
                    $"{metric}: prediction shape {MetricInput.Shape(prediction)} with target shape {MetricInput.Shape(target)} is read as multi-class, " +
                    $"which needs integer class indices as target; the target is {t.dtype}.");
            long classes = p.shape[1];
            var predicted = MetricInput.Rows(p, m).argmax(1);
            var actual = MetricInput.Rows(t, m).to_type(ScalarType.Int64);
            if (actual.numel() > 0)
            {
                long low = actual.min().item<long>(), high = actual.max().item<long>();
                if (low < 0 || high >= classes)
                    throw new ArgumentException(
                        $"{metric}: target class index {(low < 0 ? low : high)} is outside [0, {classes}) for prediction shape " +
                        $"{MetricInput.Shape(prediction)} and target shape {MetricInput.Shape(target)}.");
            }
            return new DecodedBatch(ClassificationMode.MultiClass, predicted, actual, classes);
        }
        if (p.dim() == 2 && p.shape[1] > 1 && t.dim() == 2 && t.shape[1] == p.shape[1])
            return new DecodedBatch(ClassificationMode.MultiLabel, Flags(MetricInput.Rows(p, m)), Targets(MetricInput.Rows(t, m)), p.shape[1]);
        if (predictionIsColumn && targetIsColumn)
            return new DecodedBatch(
                ClassificationMode.Binary,
                Flags(MetricInput.Rows(p.reshape(batch, 1), m)),
                Targets(MetricInput.Rows(t.reshape(batch, 1), m)),
                1);
        throw MetricInput.Mismatch(metric, prediction, target, Expected);
    }

    private static Tensor Flags(Tensor logits) => logits.gt(0);

    private static Tensor Targets(Tensor flags) => flags.to_type(ScalarType.Float32).gt(0.5);

    /// <summary>Remembers the mode and class count of the first batch and rejects batches of another kind.</summary>
    internal static void Check(string metric, ref ClassificationMode? mode, ref long classes, DecodedBatch batch, Tensor prediction, Tensor target)
    {
        if (mode is null)
        {
            mode = batch.Mode;
            classes = batch.Classes;
            return;
        }
        if (mode != batch.Mode || classes != batch.Classes)
            throw new ArgumentException(
                $"{metric}: prediction shape {MetricInput.Shape(prediction)} with target shape {MetricInput.Shape(target)} is a {Describe(batch.Mode, batch.Classes)} batch, " +
                $"but earlier batches since the last reset were {Describe(mode.Value, classes)}.");
    }

    private static string Describe(ClassificationMode mode, long classes) => mode switch
    {
        ClassificationMode.MultiClass => $"multi-class ({classes} classes)",
        ClassificationMode.MultiLabel => $"multi-label ({classes} flags)",
        _ => "binary",
    };
}
