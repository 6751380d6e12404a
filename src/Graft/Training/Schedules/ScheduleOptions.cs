namespace Graft.Training.Schedules;

/// <summary>Which learning-rate schedule <see cref="ScheduleOptions"/> builds.</summary>
public enum ScheduleKind
{
    /// <summary>A constant factor of 1 (<see cref="ConstantSchedule"/>).</summary>
    None,

    /// <summary>Reduction by a constant multiplier every few epochs (<see cref="StepSchedule"/>).</summary>
    Step,

    /// <summary>Cosine annealing per batch over the whole run (<see cref="CosineSchedule"/>).</summary>
    Cosine,

    /// <summary>The one-cycle policy per batch over the whole run (<see cref="OneCycleSchedule"/>).</summary>
    OneCycle,

    /// <summary>Reduction when the monitored validation value stalls (<see cref="ReduceOnPlateauSchedule"/>).</summary>
    ReduceOnPlateau,
}

/// <summary>How to schedule the learning rate of a run.</summary>
/// <param name="Kind">The kind of schedule.</param>
/// <param name="StepEpochs">Step: epochs between reductions (at least 1).</param>
/// <param name="Gamma">Step: the multiplier of each reduction, in (0, 1].</param>
/// <param name="MinFactor">Cosine and plateau: the lowest factor, in [0, 1].</param>
/// <param name="PctStart">One-cycle: the fraction of the run spent rising to the peak, in (0, 1).</param>
/// <param name="DivFactor">One-cycle: the peak divided by the starting rate (at least 1).</param>
/// <param name="FinalDivFactor">One-cycle: the starting rate divided by the final rate (at least 1).</param>
/// <param name="PlateauMode">Plateau: whether the monitored value should go down or up.</param>
/// <param name="PlateauFactor">Plateau: the multiplier of each reduction, in (0, 1).</param>
/// <param name="Patience">Plateau: bad epochs in a row tolerated before reducing (at least 0).</param>
/// <param name="Threshold">Plateau: the relative improvement needed to count as better (at least 0).</param>
/// <param name="Cooldown">Plateau: epochs after a reduction during which bad epochs are not counted (at least 0).</param>
/// <param name="WarmupSteps">Batches of linear warmup before the schedule's own factor applies fully (0: no warmup).</param>
/// <param name="WarmupStartFactor">The warmup's starting multiplier, in [0, 1].</param>
public sealed record ScheduleOptions(
    ScheduleKind Kind = ScheduleKind.None,
    int StepEpochs = 30,
    double Gamma = 0.1,
    double MinFactor = 0,
    double PctStart = 0.3,
    double DivFactor = 25,
    double FinalDivFactor = 1e4,
    PlateauMode PlateauMode = PlateauMode.Min,
    double PlateauFactor = 0.1,
    int Patience = 10,
    double Threshold = 1e-4,
    int Cooldown = 0,
    long WarmupSteps = 0,
    double WarmupStartFactor = 0.01)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw Bad(nameof(Kind), "kind", $"must be one of {string.Join(", ", Enum.GetNames<ScheduleKind>())}; it is {(int)Kind}");
        if (StepEpochs < 1) throw Bad(nameof(StepEpochs), "step_epochs", $"must be at least 1; it is {StepEpochs}");
        Check(nameof(Gamma), "gamma", Gamma, double.Epsilon, 1, "in (0, 1]");
        Check(nameof(MinFactor), "min_factor", MinFactor, 0, 1, "in [0, 1]");
        Check(nameof(PctStart), "pct_start", PctStart, 0, 1, "in (0, 1)");
        if (PctStart is 0 or 1) throw Bad(nameof(PctStart), "pct_start", $"must be in (0, 1); it is {PctStart}");
        Check(nameof(DivFactor), "div_factor", DivFactor, 1, double.MaxValue, "a finite number of at least 1");
        Check(nameof(FinalDivFactor), "final_div_factor", FinalDivFactor, 1, double.MaxValue, "a finite number of at least 1");
        if (!Enum.IsDefined(PlateauMode)) throw Bad(nameof(PlateauMode), "plateau_mode", $"must be Min or Max; it is {(int)PlateauMode}");
        Check(nameof(PlateauFactor), "plateau_factor", PlateauFactor, 0, 1, "in (0, 1)");
        if (PlateauFactor is 0 or 1) throw Bad(nameof(PlateauFactor), "plateau_factor", $"must be in (0, 1); it is {PlateauFactor}");
        if (Patience < 0) throw Bad(nameof(Patience), "patience", $"must not be negative; it is {Patience}");
        Check(nameof(Threshold), "threshold", Threshold, 0, double.MaxValue, "a finite number of at least 0");
        if (Cooldown < 0) throw Bad(nameof(Cooldown), "cooldown", $"must not be negative; it is {Cooldown}");
        if (WarmupSteps < 0) throw Bad(nameof(WarmupSteps), "warmup_steps", $"must not be negative; it is {WarmupSteps}");
        Check(nameof(WarmupStartFactor), "warmup_start_factor", WarmupStartFactor, 0, 1, "in [0, 1]");
    }

    /// <summary>Validates the options and builds the schedule for a run (total steps = <paramref name="stepsPerEpoch"/> × <paramref name="epochs"/>).</summary>
    /// <param name="stepsPerEpoch">Optimizer steps in one epoch (at least 1).</param>
    /// <param name="epochs">Epochs of the run (at least 1).</param>
    /// <returns>The schedule, wrapped in a <see cref="LinearWarmup"/> when <see cref="WarmupSteps"/> is above 0.</returns>
    public LearningRateSchedule Create(long stepsPerEpoch, int epochs)
    {
        Validate();
        if (stepsPerEpoch < 1) throw new ArgumentException($"stepsPerEpoch must be at least 1; it is {stepsPerEpoch}.", nameof(stepsPerEpoch));
        if (epochs < 1) throw new ArgumentException($"epochs must be at least 1; it is {epochs}.", nameof(epochs));
        long totalSteps = stepsPerEpoch > long.MaxValue / epochs
            ? throw new ArgumentException($"stepsPerEpoch × epochs ({stepsPerEpoch} × {epochs}) is too large.", nameof(stepsPerEpoch))
            : stepsPerEpoch * epochs;
        // A run of a single step (a --dev run of one batch) still gets a valid one-cycle or cosine schedule.
        totalSteps = Math.Max(2, totalSteps);
        LearningRateSchedule schedule = Kind switch
        {
            ScheduleKind.None => new ConstantSchedule(),
            ScheduleKind.Step => new StepSchedule(StepEpochs, Gamma),
            ScheduleKind.Cosine => new CosineSchedule(totalSteps, MinFactor),
            ScheduleKind.OneCycle => new OneCycleSchedule(totalSteps, PctStart, DivFactor, FinalDivFactor),
            ScheduleKind.ReduceOnPlateau => new ReduceOnPlateauSchedule(PlateauMode, PlateauFactor, Patience, Threshold, Cooldown, MinFactor),
            _ => throw new ArgumentException($"Unknown schedule kind {Kind}.", nameof(Kind)),
        };
        return WarmupSteps > 0 ? new LinearWarmup(schedule, WarmupSteps, WarmupStartFactor) : schedule;
    }

    private static void Check(string property, string key, double value, double min, double max, string range)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value < min || value > max)
            throw Bad(property, key, $"must be {range}; it is {value}");
    }

    private static ArgumentException Bad(string property, string key, string problem) => new($"schedule.{key} {problem}.", property);
}
