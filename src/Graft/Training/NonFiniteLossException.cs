namespace Graft.Training;

/// <summary>
/// Thrown when a loss or gradient stops being finite. Training stops at that step; the last good checkpoint is kept.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(int epoch, int step, string what, string? lastCheckpoint)
        : base($"Training stopped: {what} at epoch {epoch + 1}, step {step + 1}. " +
               (lastCheckpoint is null ? "No checkpoint was written before it. " : $"The last good checkpoint is {lastCheckpoint}. ") +
               "Try a lower learning rate, gradient clipping (training.gradient_clip), or check the data for NaN or huge values.")
    {
        Epoch = epoch;
        Step = step;
        LastCheckpoint = lastCheckpoint;
    }

    /// <summary>The zero-based epoch in which it happened.</summary>
    public int Epoch { get; }

    /// <summary>The zero-based step within that epoch.</summary>
    public int Step { get; }

    /// <summary>The last checkpoint written before it, or null.</summary>
    public string? LastCheckpoint { get; }
}
