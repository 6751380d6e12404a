using static TorchSharp.torch;

namespace Graft.Data;

/// <summary>Infers a label's kind from its values when the run file does not declare it.</summary>
public static class LabelKinds
{
    /// <summary>The most distinct values an integer-typed label may have and still be taken for class indices.</summary>
    public const int MaxInferredIntegerClasses = 1000;

    /// <summary>The most distinct values a floating-point label with whole values may have and still be taken for class indices.</summary>
    public const int MaxInferredFloatClasses = 20;

    /// <summary>
    /// Infers the kind of a label from its present values:
    /// <list type="bullet">
    /// <item>two dimensions, every value 0 or 1: <see cref="LabelKind.MultiLabel"/>;</item>
    /// <item>one dimension, non-negative whole values, at most <see cref="MaxInferredIntegerClasses"/> distinct values for
    /// integer dtypes (<see cref="MaxInferredFloatClasses"/> for floating dtypes): <see cref="LabelKind.Class"/>;</item>
    /// <item>anything else: <see cref="LabelKind.Value"/>.</item>
    /// </list>
    /// Declare the kind explicitly when this guess is wrong (e.g. an integer age to regress).
    /// </summary>
    /// <param name="values">The label values.</param>
    /// <param name="mask">Which samples carry the label; null means all.</param>
    public static LabelKind Infer(Tensor values, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        if (values.dtype == ScalarType.Bool) return values.dim() == 2 ? LabelKind.MultiLabel : LabelKind.Class;
        var present = mask is null ? values : values[mask];
        if (present.numel() == 0) return values.dim() == 2 ? LabelKind.MultiLabel : LabelKind.Value;
        var asDouble = present.to_type(ScalarType.Float64);
        bool whole = asDouble.eq(asDouble.floor()).all().item<bool>();
        bool nonNegative = asDouble.ge(0).all().item<bool>();
        if (values.dim() == 2)
        {
            bool binary = asDouble.eq(0).logical_or(asDouble.eq(1)).all().item<bool>();
            return binary ? LabelKind.MultiLabel : LabelKind.Value;
        }

        if (values.dim() != 1 || !whole || !nonNegative) return LabelKind.Value;
        long distinct = asDouble.unique().Item1.numel();
        bool integral = !values.is_floating_point();
        return distinct <= (integral ? MaxInferredIntegerClasses : MaxInferredFloatClasses) ? LabelKind.Class : LabelKind.Value;
    }
}
