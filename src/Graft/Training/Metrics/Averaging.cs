namespace Graft.Training.Metrics;

/// <summary>How <see cref="Precision"/>, <see cref="Recall"/> and <see cref="F1Score"/> combine the per-class values.</summary>
public enum Averaging
{
    /// <summary>
    /// The unweighted mean of the per-class values. Classes that appear neither in the predictions nor in the targets
    /// are left out of the mean (they have nothing to measure); a class that appears on one side only counts with 0.
    /// </summary>
    Macro,

    /// <summary>The value computed from the counts pooled over all classes.</summary>
    Micro,

    /// <summary>The mean of the per-class values weighted by each class's support (its number of true samples).</summary>
    Weighted,
}
