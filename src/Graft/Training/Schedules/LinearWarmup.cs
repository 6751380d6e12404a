namespace Graft.Training.Schedules;

/// <summary>
/// Wraps a schedule with a linear warmup: for the first <see cref="WarmupSteps"/> batches the inner factor is multiplied
/// by a ramp rising linearly from <see cref="StartFactor"/> (at step 0) to 1 (at step <see cref="WarmupSteps"/>), and by 1
/// afterwards. The inner schedule advances all along (its step count is the warmup's), so a per-batch inner schedule
/// counts the warmup steps as part of its own.
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    /// <summary>Creates the warmup.</summary>
    /// <param name="inner">The schedule whose factor the warmup scales.</param>
    /// <param name="warmupSteps">Batches of warmup (at least 1).</param>
    /// <param name="startFactor">The ramp's value at step 0, in [0, 1].</param>
    public LinearWarmup(LearningRateSchedule inner, long warmupSteps, double startFactor = 0.01)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (warmupSteps < 1) throw new ArgumentException($"warmupSteps must be at least 1; it is {warmupSteps}.", nameof(warmupSteps));
        Require(startFactor, 0, 1, nameof(startFactor), "in [0, 1]");
        Inner = inner;
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
        Steps = inner.Steps;
        Epochs = inner.Epochs;
    }

    /// <summary>The schedule whose factor the warmup scales.</summary>
    public LearningRateSchedule Inner { get; }

    /// <summary>Batches of warmup.</summary>
    public long WarmupSteps { get; }

    /// <summary>The ramp's value at step 0.</summary>
    public double StartFactor { get; }

    /// <inheritdoc />
    public override double Factor =>
        Inner.Factor * (Steps >= WarmupSteps ? 1 : StartFactor + (1 - StartFactor) * Steps / WarmupSteps);

    /// <inheritdoc />
    public override string Kind => "warmup+" + Inner.Kind;

    /// <inheritdoc />
    public override void OnBatchEnd()
    {
        Inner.OnBatchEnd();
        Steps = Inner.Steps;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(double? monitoredValue)
    {
        Inner.OnEpochEnd(monitoredValue);
        Epochs = Inner.Epochs;
    }

    /// <inheritdoc />
    public override ScheduleState GetState() => Inner.GetState() with { Kind = Kind };

    /// <inheritdoc />
    public override void LoadState(ScheduleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != Kind)
            throw new ArgumentException($"The saved schedule state is of kind '{state.Kind}', but this schedule is '{Kind}'.", nameof(state));
        Inner.LoadState(state with { Kind = Inner.Kind });
        Steps = Inner.Steps;
        Epochs = Inner.Epochs;
    }
}
