namespace Graft.Training.Schedules;

/// <summary>Multiplies the learning rate by <see cref="Gamma"/> every <see cref="StepEpochs"/> epochs: factor = gamma^⌊epochs / stepEpochs⌋.</summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="stepEpochs">Epochs between two reductions (at least 1).</param>
    /// <param name="gamma">The multiplier of each reduction, in (0, 1].</param>
    public StepSchedule(int stepEpochs, double gamma)
    {
        if (stepEpochs < 1) throw new ArgumentException($"stepEpochs must be at least 1; it is {stepEpochs}.", nameof(stepEpochs));
        Require(gamma, double.Epsilon, 1, nameof(gamma), "in (0, 1]");
        StepEpochs = stepEpochs;
        Gamma = gamma;
    }

    /// <summary>Epochs between two reductions.</summary>
    public int StepEpochs { get; }

    /// <summary>The multiplier of each reduction.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override double Factor => Math.Pow(Gamma, Epochs / StepEpochs);

    /// <inheritdoc />
    public override string Kind => "step";
}
