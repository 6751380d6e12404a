namespace Graft.Data.Splits;

/// <summary>How to split a dataset into train, validation and test parts, plus a small dev subset.</summary>
/// <param name="Validation">Fraction of the samples for validation, in [0, 1).</param>
/// <param name="Test">Fraction of the samples for testing, in [0, 1). Use 0 when the data comes with its own test set.</param>
/// <param name="DevSize">Number of training samples in the dev subset used for quick debugging runs (<c>--dev</c>).</param>
/// <param name="Seed">The seed of the shuffle; the same seed and sample count always give the same split.</param>
/// <param name="StratifyBy">
/// A class label to stratify by: every part then keeps the class proportions of the whole (samples whose label is
/// missing form a group of their own). Null for a plain random split.
/// </param>
public sealed record SplitOptions(double Validation = 0.1, double Test = 0.1, int DevSize = 256, long Seed = 0, string? StratifyBy = null)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (Validation is < 0 or >= 1 || double.IsNaN(Validation))
            throw new ArgumentException($"split.validation must be in [0, 1); it is {Validation}.");
        if (Test is < 0 or >= 1 || double.IsNaN(Test))
            throw new ArgumentException($"split.test must be in [0, 1); it is {Test}.");
        if (Validation + Test >= 1)
            throw new ArgumentException($"split.validation + split.test must leave samples for training; they sum to {Validation + Test}.");
        if (DevSize < 0) throw new ArgumentException($"split.dev_size must not be negative; it is {DevSize}.");
    }
}
