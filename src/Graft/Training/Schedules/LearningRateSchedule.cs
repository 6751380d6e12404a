namespace Graft.Training.Schedules;

/// <summary>
/// A learning-rate schedule whose state Graft owns. It yields a multiplier, <see cref="Factor"/>, that the training
/// loop applies to every parameter group's own base learning rate, so per-group rates keep their ratios.
/// <see cref="Factor"/> is the multiplier for the next optimizer step: read it before the step, and call
/// <see cref="OnBatchEnd"/> after the step and <see cref="OnEpochEnd"/> after each epoch's validation.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Optimizer steps (batches) completed.</summary>
    public long Steps { get; protected set; }

    /// <summary>Epochs completed.</summary>
    public int Epochs { get; protected set; }

    /// <summary>The current multiplier of the base learning rates.</summary>
    public abstract double Factor { get; }

    /// <summary>The kind stored in <see cref="ScheduleState.Kind"/> (e.g. <c>cosine</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>Called after each optimizer step.</summary>
    public virtual void OnBatchEnd() => Steps++;

    /// <summary>Called at the end of each epoch.</summary>
    /// <param name="monitoredValue">The monitored validation metric, when there is one; only plateau schedules use it.</param>
    public virtual void OnEpochEnd(double? monitoredValue) => Epochs++;

    /// <summary>The state to save in a checkpoint.</summary>
    public virtual ScheduleState GetState() => new(Kind, Steps, Epochs);

    /// <summary>Restores a state from <see cref="GetState"/> of a schedule built the same way.</summary>
    /// <exception cref="ArgumentException">The state is of another kind of schedule or holds impossible values.</exception>
    public virtual void LoadState(ScheduleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != Kind)
            throw new ArgumentException($"The saved schedule state is of kind '{state.Kind}', but this schedule is '{Kind}'.", nameof(state));
        if (state.Steps < 0 || state.Epochs < 0)
            throw new ArgumentException($"The saved schedule state has negative counts (steps {state.Steps}, epochs {state.Epochs}).", nameof(state));
        Steps = state.Steps;
        Epochs = state.Epochs;
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private protected static void Require(double value, double min, double max, string parameter, string range)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value < min || value > max)
            throw new ArgumentException($"{parameter} must be {range}; it is {value}.", parameter);
    }

    /// <summary>Cosine interpolation from <paramref name="start"/> (at 0) to <paramref name="end"/> (at 1).</summary>
    private protected static double Anneal(double start, double end, double fraction) =>
        end + (start - end) * (1 + Math.Cos(Math.PI * fraction)) / 2;
}
