namespace Graft.Training.Schedules;

/// <summary>Keeps the base learning rates: the factor is always 1.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <inheritdoc />
    public override double Factor => 1;

    /// <inheritdoc />
    public override string Kind => "constant";
}
