using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class ScheduleOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_and_give_a_constant_schedule()
    {
        var options = new ScheduleOptions();
        options.Validate();
        Assert.IsType<ConstantSchedule>(options.Create(10, 3));
    }

    [Fact]
    public void Per_batch_schedules_span_steps_per_epoch_times_epochs()
    {
        var cosine = Assert.IsType<CosineSchedule>(new ScheduleOptions(ScheduleKind.Cosine, MinFactor: 0.2).Create(25, 4));
        Assert.Equal(100, cosine.TotalSteps);
        Assert.Equal(0.2, cosine.MinFactor);
        var oneCycle = Assert.IsType<OneCycleSchedule>(new ScheduleOptions(ScheduleKind.OneCycle, PctStart: 0.4, DivFactor: 10, FinalDivFactor: 100).Create(7, 3));
        Assert.Equal(21, oneCycle.TotalSteps);
        Assert.Equal(0.4, oneCycle.PctStart);
        Assert.Equal(10, oneCycle.DivFactor);
        Assert.Equal(100, oneCycle.FinalDivFactor);
    }

    [Fact]
    public void Epoch_schedules_take_their_own_parameters()
    {
        var step = Assert.IsType<StepSchedule>(new ScheduleOptions(ScheduleKind.Step, StepEpochs: 5, Gamma: 0.2).Create(10, 20));
        Assert.Equal(5, step.StepEpochs);
        Assert.Equal(0.2, step.Gamma);
        var plateau = Assert.IsType<ReduceOnPlateauSchedule>(new ScheduleOptions(
            ScheduleKind.ReduceOnPlateau, MinFactor: 0.01, PlateauMode: PlateauMode.Max, PlateauFactor: 0.3, Patience: 4, Threshold: 0.02, Cooldown: 2).Create(10, 20));
        Assert.Equal(PlateauMode.Max, plateau.Mode);
        Assert.Equal(0.3, plateau.ReductionFactor);
        Assert.Equal(4, plateau.Patience);
        Assert.Equal(0.02, plateau.Threshold);
        Assert.Equal(2, plateau.Cooldown);
        Assert.Equal(0.01, plateau.MinFactor);
    }

    [Fact]
    public void Warmup_steps_wrap_the_schedule_in_a_linear_warmup()
    {
        var schedule = new ScheduleOptions(ScheduleKind.Cosine, WarmupSteps: 10, WarmupStartFactor: 0.1).Create(10, 5);
        var warmup = Assert.IsType<LinearWarmup>(schedule);
        Assert.IsType<CosineSchedule>(warmup.Inner);
        Assert.Equal(10, warmup.WarmupSteps);
        Assert.Equal(0.1, warmup.Factor, 12);
    }

    [Theory]
    [InlineData(nameof(ScheduleOptions.StepEpochs), "schedule.step_epochs")]
    [InlineData(nameof(ScheduleOptions.Gamma), "schedule.gamma")]
    [InlineData(nameof(ScheduleOptions.MinFactor), "schedule.min_factor")]
    [InlineData(nameof(ScheduleOptions.PctStart), "schedule.pct_start")]
    [InlineData(nameof(ScheduleOptions.DivFactor), "schedule.div_factor")]
    [InlineData(nameof(ScheduleOptions.FinalDivFactor), "schedule.final_div_factor")]
    [InlineData(nameof(ScheduleOptions.PlateauFactor), "schedule.plateau_factor")]
    [InlineData(nameof(ScheduleOptions.Patience), "schedule.patience")]
    [InlineData(nameof(ScheduleOptions.Threshold), "schedule.threshold")]
    [InlineData(nameof(ScheduleOptions.Cooldown), "schedule.cooldown")]
    [InlineData(nameof(ScheduleOptions.WarmupSteps), "schedule.warmup_steps")]
    [InlineData(nameof(ScheduleOptions.WarmupStartFactor), "schedule.warmup_start_factor")]
    public void A_bad_option_is_named(string property, string key)
    {
        var options = property switch
        {
            nameof(ScheduleOptions.StepEpochs) => new ScheduleOptions(StepEpochs: 0),
            nameof(ScheduleOptions.Gamma) => new ScheduleOptions(Gamma: 0),
            nameof(ScheduleOptions.MinFactor) => new ScheduleOptions(MinFactor: -1),
            nameof(ScheduleOptions.PctStart) => new ScheduleOptions(PctStart: 1),
            nameof(ScheduleOptions.DivFactor) => new ScheduleOptions(DivFactor: 0.5),
            nameof(ScheduleOptions.FinalDivFactor) => new ScheduleOptions(FinalDivFactor: double.NaN),
            nameof(ScheduleOptions.PlateauFactor) => new ScheduleOptions(PlateauFactor: 1),
            nameof(ScheduleOptions.Patience) => new ScheduleOptions(Patience: -1),
            nameof(ScheduleOptions.Threshold) => new ScheduleOptions(Threshold: -0.5),
            nameof(ScheduleOptions.Cooldown) => new ScheduleOptions(Cooldown: -2),
            nameof(ScheduleOptions.WarmupSteps) => new ScheduleOptions(WarmupSteps: -1),
            _ => new ScheduleOptions(WarmupStartFactor: 2),
        };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(property, error.ParamName);
        Assert.Contains(key, error.Message);
        Assert.Throws<ArgumentException>(() => options.Create(10, 2));
    }

    [Theory]
    [InlineData(0, 5, "stepsPerEpoch")]
    [InlineData(10, 0, "epochs")]
    public void Create_needs_positive_run_lengths(long stepsPerEpoch, int epochs, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => new ScheduleOptions(ScheduleKind.Cosine).Create(stepsPerEpoch, epochs));
        Assert.Equal(parameter, error.ParamName);
    }
}
