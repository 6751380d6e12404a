namespace Graft.Training.Schedules;

/// <summary>
/// Cosine annealing per batch from 1 down to <see cref="MinFactor"/> over <see cref="TotalSteps"/> steps:
/// factor = min + (1 − min)·(1 + cos(π·t / T)) / 2 with t the steps done (capped at T, so the factor stays at the minimum after T).
/// </summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="totalSteps">Steps of the whole annealing (at least 1).</param>
    /// <param name="minFactor">The final factor, in [0, 1].</param>
    public CosineSchedule(long totalSteps, double minFactor = 0)
    {
        if (totalSteps < 1) throw new ArgumentException($"totalSteps must be at least 1; it is {totalSteps}.", nameof(totalSteps));
        Require(minFactor, 0, 1, nameof(minFactor), "in [0, 1]");
        TotalSteps = totalSteps;
        MinFactor = minFactor;
    }

    /// <summary>Steps of the whole annealing.</summary>
    public long TotalSteps { get; }

    /// <summary>The final factor.</summary>
    public double MinFactor { get; }

    /// <inheritdoc />
    public override double Factor => Anneal(1, MinFactor, (double)Math.Min(Steps, TotalSteps) / TotalSteps);

    /// <inheritdoc />
    public override string Kind => "cosine";
}
