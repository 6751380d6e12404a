using static TorchSharp.torch;

namespace Graft.Models.Losses;

/// <summary>Shared pieces of the built-in losses: input checks, masks and the masked mean.</summary>
internal static class LossMath
{
    /// <summary>The two inputs of a two-input loss, checked for count and batch size.</summary>
    public static (Tensor First, Tensor Second) Pair(string loss, IReadOnlyList<string> names, IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != 2)
            throw new ArgumentException($"{loss}: takes 2 inputs ({string.Join(", ", names)}); {inputs.Count} were given.", nameof(inputs));
        var (a, b) = (inputs[0] ?? throw new ArgumentNullException(nameof(inputs)), inputs[1] ?? throw new ArgumentNullException(nameof(inputs)));
        if (a.dim() == 0 || b.dim() == 0 || a.shape[0] != b.shape[0])
            throw new ArgumentException($"{loss}: the {names[0]} has shape [{Shape(a)}] and the {names[1]} [{Shape(b)}]; both need the same batch size as their first dimension.", nameof(inputs));
        return (a, b);
    }

    /// <summary>The mask as bool <c>[B]</c>, or null when there is none.</summary>
    public static Tensor? Mask(Tensor? mask, long batch, string loss)
    {
        if (mask is null) return null;
        if (mask.dim() != 1 || mask.shape[0] != batch)
            throw new ArgumentException($"{loss}: the mask has shape [{Shape(mask)}] but the batch has {batch} samples; expected one flag per sample.", nameof(mask));
        return mask.dtype == ScalarType.Bool ? mask : mask.ne(0);
    }

    /// <summary>The per-sample mask broadcast over the trailing dimensions of <paramref name="like"/>.</summary>
    public static Tensor Rows(Tensor mask, Tensor like) =>
        like.dim() <= 1 ? mask : mask.reshape([mask.shape[0], .. Enumerable.Repeat(1L, (int)like.dim() - 1)]).expand(like.shape);

    /// <summary>Per-element values <c>[B, ...]</c> averaged to one value per sample <c>[B]</c>.</summary>
    public static Tensor PerSample(Tensor perElement) =>
        perElement.dim() > 1 ? perElement.flatten(1).mean([1L]) : perElement;

    /// <summary>
    /// The mean of <paramref name="perSample"/> over the samples the mask selects; exactly zero (with a zero gradient)
    /// when it selects none or the batch is empty.
    /// </summary>
    public static Tensor MaskedMean(Tensor perSample, Tensor? mask)
    {
        if (mask is null) return perSample.sum() / Math.Max(1L, perSample.shape[0]);
        var weights = mask.to_type(perSample.dtype);
        var kept = where(mask, perSample, zeros_like(perSample));
        return kept.sum() / weights.sum().clamp_min(1.0);
    }

    /// <summary>Lines up a regression prediction with its target: a trailing dimension of 1 is dropped when the target lacks it.</summary>
    public static (Tensor Prediction, Tensor Target) Align(string loss, Tensor prediction, Tensor target)
    {
        var p = prediction.dim() == target.dim() + 1 && prediction.shape[^1] == 1 ? prediction.squeeze(-1) : prediction;
        if (!p.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"{loss}: the prediction has shape [{Shape(prediction)}] but the target has [{Shape(target)}]; they must match.");
        return (p, target.to_type(p.dtype));
    }

    /// <summary>A regression loss: <paramref name="perElement"/> of prediction and target, per sample, masked mean.</summary>
    public static Tensor Regression(string loss, IReadOnlyList<string> names, IReadOnlyList<Tensor> inputs, Tensor? mask, Func<Tensor, Tensor, Tensor> perElement)
    {
        var (prediction, target) = Pair(loss, names, inputs);
        using var scope = NewDisposeScope();
        var (p, t) = Align(loss, prediction, target);
        var m = Mask(mask, p.shape[0], loss);
        // A left-out sample's target may be any placeholder, even NaN: compare its prediction with itself instead.
        if (m is not null) t = where(Rows(m, t), t, p.detach());
        return MaskedMean(PerSample(perElement(p, t)), m).MoveToOuterDisposeScope();
    }

    /// <summary>A shape as <c>2, 3</c>.</summary>
    public static string Shape(Tensor t) => string.Join(", ", t.shape);
}
