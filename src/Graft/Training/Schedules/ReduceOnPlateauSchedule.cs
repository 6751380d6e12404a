namespace Graft.Training.Schedules;

/// <summary>Whether the monitored value of a <see cref="ReduceOnPlateauSchedule"/> should go down or up.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss or an error).</summary>
    Min,

    /// <summary>Higher is better (an accuracy).</summary>
    Max,
}

/// <summary>
/// Reduces the factor when the monitored validation value stops improving, with the semantics of PyTorch's
/// <c>ReduceLROnPlateau</c> in relative threshold mode. At each epoch end a value is an improvement when it is below
/// <c>best·(1 − threshold)</c> (<see cref="PlateauMode.Min"/>) or above <c>best·(1 + threshold)</c>
/// (<see cref="PlateauMode.Max"/>); otherwise the epoch is a bad one. During cooldown bad epochs are not counted. When
/// more than <see cref="Patience"/> bad epochs follow each other, the factor is multiplied by <see cref="ReductionFactor"/>
/// (but not below <see cref="MinFactor"/>; changes smaller than 1e-8 are skipped), the count restarts and the cooldown begins.
/// A NaN value is never an improvement.
/// </summary>
public sealed class ReduceOnPlateauSchedule : LearningRateSchedule
{
    private const double Epsilon = 1e-8;
    private double _factor = 1;
    private double? _best;
    private int _badEpochs;
    private int _cooldownLeft;

    /// <summary>Creates the schedule.</summary>
    /// <param name="mode">Whether the monitored value should go down or up.</param>
    /// <param name="factor">The multiplier of each reduction, in (0, 1).</param>
    /// <param name="patience">Bad epochs in a row that are tolerated before reducing (at least 0).</param>
    /// <param name="threshold">The relative improvement needed to count as better, at least 0.</param>
    /// <param name="cooldown">Epochs after a reduction during which bad epochs are not counted (at least 0).</param>
    /// <param name="minFactor">The lowest factor reductions may reach, in [0, 1].</param>
    public ReduceOnPlateauSchedule(PlateauMode mode, double factor = 0.1, int patience = 10, double threshold = 1e-4, int cooldown = 0, double minFactor = 0)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"mode must be Min or Max; it is {(int)mode}.", nameof(mode));
        Require(factor, 0, 1, nameof(factor), "in (0, 1)");
        if (factor is 0 or 1) throw new ArgumentException($"factor must be in (0, 1); it is {factor}.", nameof(factor));
        if (patience < 0) throw new ArgumentException($"patience must not be negative; it is {patience}.", nameof(patience));
        Require(threshold, 0, double.MaxValue, nameof(threshold), "a finite number of at least 0");
        if (cooldown < 0) throw new ArgumentException($"cooldown must not be negative; it is {cooldown}.", nameof(cooldown));
        Require(minFactor, 0, 1, nameof(minFactor), "in [0, 1]");
        Mode = mode;
        ReductionFactor = factor;
        Patience = patience;
        Threshold = threshold;
        Cooldown = cooldown;
        MinFactor = minFactor;
    }

    /// <summary>Whether the monitored value should go down or up.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The multiplier of each reduction.</summary>
    public double ReductionFactor { get; }

    /// <summary>Bad epochs in a row that are tolerated before reducing.</summary>
    public int Patience { get; }

    /// <summary>The relative improvement needed to count as better.</summary>
    public double Threshold { get; }

    /// <summary>Epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The lowest factor reductions may reach.</summary>
    public double MinFactor { get; }

    /// <summary>The best monitored value so far, or null before the first improvement.</summary>
    public double? Best => _best;

    /// <inheritdoc />
    public override double Factor => _factor;

    /// <inheritdoc />
    public override string Kind => "plateau";

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="monitoredValue"/> is null: a plateau schedule needs a validation value every epoch.</exception>
    public override void OnEpochEnd(double? monitoredValue)
    {
        if (monitoredValue is not double value)
            throw new ArgumentException("A reduce-on-plateau schedule needs the monitored validation value at the end of every epoch; none was given.", nameof(monitoredValue));
        base.OnEpochEnd(monitoredValue);
        if (IsBetter(value))
        {
            _best = value;
            _badEpochs = 0;
        }
        else
        {
            _badEpochs++;
        }
        if (_cooldownLeft > 0)
        {
            _cooldownLeft--;
            _badEpochs = 0;
        }
        if (_badEpochs > Patience)
        {
            double reduced = Math.Max(_factor * ReductionFactor, MinFactor);
            if (_factor - reduced > Epsilon) _factor = reduced;
            _cooldownLeft = Cooldown;
            _badEpochs = 0;
        }
    }

    private bool IsBetter(double value)
    {
        double best = _best ?? (Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity);
        return Mode == PlateauMode.Min ? value < best * (1 - Threshold) : value > best * (1 + Threshold);
    }

    /// <inheritdoc />
    public override ScheduleState GetState() => base.GetState() with
    {
        Best = _best,
        BadEpochs = _badEpochs,
        CooldownLeft = _cooldownLeft,
        PlateauFactor = _factor,
    };

    /// <inheritdoc />
    public override void LoadState(ScheduleState state)
    {
        base.LoadState(state);
        if (state.BadEpochs < 0 || state.CooldownLeft < 0 || !(state.PlateauFactor is >= 0 and <= 1))
            throw new ArgumentException(
                $"The saved plateau state is impossible (bad epochs {state.BadEpochs}, cooldown left {state.CooldownLeft}, factor {state.PlateauFactor}).", nameof(state));
        _best = state.Best;
        _badEpochs = state.BadEpochs;
        _cooldownLeft = state.CooldownLeft;
        _factor = state.PlateauFactor;
    }
}
