namespace Graft.Training.Callbacks;

/// <summary>What one epoch produced: every metric by <c>split.name</c> (e.g. <c>validation.accuracy</c>).</summary>
/// <param name="Epoch">The zero-based epoch.</param>
/// <param name="Metrics">Metric values by <c>split.name</c>.</param>
/// <param name="LearningRate">The learning rate of the first parameter group at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public sealed record EpochRecord(int Epoch, IReadOnlyDictionary<string, double> Metrics, double LearningRate, double Seconds);

/// <summary>The state of a training run that callbacks may read; <see cref="RequestStop"/> ends training after the current epoch.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(int epochs, int batchesPerEpoch, int startEpoch, string? runDirectory)
    {
        Epochs = epochs;
        BatchesPerEpoch = batchesPerEpoch;
        Epoch = startEpoch;
        StartEpoch = startEpoch;
        RunDirectory = runDirectory;
    }

    /// <summary>The number of epochs planned.</summary>
    public int Epochs { get; }

    /// <summary>Training batches per epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The epoch training started (or resumed) at.</summary>
    public int StartEpoch { get; }

    /// <summary>The current zero-based epoch.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Optimizer steps taken so far, over all epochs.</summary>
    public long GlobalStep { get; internal set; }

    /// <summary>The run directory, or null when nothing is written.</summary>
    public string? RunDirectory { get; }

    /// <summary>Every finished epoch so far.</summary>
    public List<EpochRecord> History { get; } = new();

    /// <summary>Whether a callback asked to stop.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Asks the trainer to stop after the current epoch.</summary>
    public void RequestStop() => StopRequested = true;
}

/// <summary>
/// The extension seam of the <see cref="Trainer"/>: logging, progress, reports and users' own hooks. A callback that
/// throws is reported on standard error and removed; it never stops training.
/// </summary>
public interface ITrainerCallback
{
    /// <summary>Called once before the first epoch.</summary>
    void OnTrainBegin(TrainingContext context)
    {
    }

    /// <summary>Called after every optimizer step with the batch's total loss.</summary>
    void OnBatchEnd(TrainingContext context, int step, double loss)
    {
    }

    /// <summary>Called after every epoch (after validation).</summary>
    void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
    }

    /// <summary>Called once when training ends, also after an early stop.</summary>
    void OnTrainEnd(TrainingContext context)
    {
    }
}
