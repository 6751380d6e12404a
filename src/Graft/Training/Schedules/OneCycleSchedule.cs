namespace Graft.Training.Schedules;

/// <summary>
/// The one-cycle policy per batch, as PyTorch's <c>OneCycleLR</c> with cosine annealing in two phases; the configured
/// learning rate is the peak. The factor rises from 1/<see cref="DivFactor"/> at step 0 to 1 at step
/// <c>pctStart·T − 1</c>, then falls to 1/(<see cref="DivFactor"/>·<see cref="FinalDivFactor"/>) at step <c>T − 1</c>,
/// and stays there afterwards.
/// </summary>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="totalSteps">Steps of the whole cycle (at least 2).</param>
    /// <param name="pctStart">The fraction of the cycle spent rising, in (0, 1).</param>
    /// <param name="divFactor">The peak divided by the starting rate (at least 1).</param>
    /// <param name="finalDivFactor">The starting rate divided by the final rate (at least 1).</param>
    public OneCycleSchedule(long totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
    {
        if (totalSteps < 2) throw new ArgumentException($"totalSteps must be at least 2; it is {totalSteps}.", nameof(totalSteps));
        Require(pctStart, 0, 1, nameof(pctStart), "in (0, 1)");
        if (pctStart is 0 or 1) throw new ArgumentException($"pctStart must be in (0, 1); it is {pctStart}.", nameof(pctStart));
        Require(divFactor, 1, double.MaxValue, nameof(divFactor), "a finite number of at least 1");
        Require(finalDivFactor, 1, double.MaxValue, nameof(finalDivFactor), "a finite number of at least 1");
        TotalSteps = totalSteps;
        PctStart = pctStart;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
    }

    /// <summary>Steps of the whole cycle.</summary>
    public long TotalSteps { get; }

    /// <summary>The fraction of the cycle spent rising.</summary>
    public double PctStart { get; }

    /// <summary>The peak divided by the starting rate.</summary>
    public double DivFactor { get; }

    /// <summary>The starting rate divided by the final rate.</summary>
    public double FinalDivFactor { get; }

    /// <inheritdoc />
    public override double Factor
    {
        get
        {
            double start = 1 / DivFactor, end = start / FinalDivFactor;
            double peakStep = PctStart * TotalSteps - 1, lastStep = TotalSteps - 1;
            double step = Steps;
            if (step <= peakStep)
                return Anneal(start, 1, peakStep > 0 ? step / peakStep : 1);
            double fraction = Math.Min(1, (step - peakStep) / (lastStep - peakStep));
            return Anneal(1, end, fraction);
        }
    }

    /// <inheritdoc />
    public override string Kind => "onecycle";
}
