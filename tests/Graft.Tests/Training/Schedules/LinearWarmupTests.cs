using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class LinearWarmupTests
{
    [Fact]
    public void The_ramp_rises_linearly_from_the_start_factor_to_one()
    {
        var factors = ScheduleRun.BatchFactors(new LinearWarmup(new ConstantSchedule(), 4, startFactor: 0.2), 6);
        ScheduleRun.AssertClose([0.2, 0.4, 0.6, 0.8, 1, 1, 1], factors);
    }

    [Fact]
    public void The_ramp_multiplies_the_inner_factor_which_advances_during_warmup()
    {
        var warmup = new LinearWarmup(new CosineSchedule(8), 4, startFactor: 0.2);
        var factors = ScheduleRun.BatchFactors(warmup, 8);
        Assert.Equal(0.2, factors[0], 12);
        Assert.Equal(0.6 * (1 + Math.Sqrt(0.5)) / 2, factors[2], 12);
        Assert.Equal(0.5, factors[4], 12);
        Assert.Equal(0.0, factors[8], 12);
        Assert.Equal(8, warmup.Inner.Steps);
    }

    [Fact]
    public void Epoch_ends_reach_the_inner_schedule()
    {
        var warmup = new LinearWarmup(new StepSchedule(1, 0.5), 2, startFactor: 0.5);
        warmup.OnEpochEnd(null);
        Assert.Equal(0.25, warmup.Factor, 12);
        Assert.Equal(1, warmup.Epochs);
        Assert.Equal("warmup+step", warmup.Kind);
    }

    [Fact]
    public void Restored_mid_warmup_it_continues_like_the_uninterrupted_one()
    {
        static LinearWarmup Make() => new(new ReduceOnPlateauSchedule(PlateauMode.Min, factor: 0.5, patience: 1), 7, startFactor: 0.1);
        var whole = ScheduleRun.Run(Make(), 0, 10, 3);
        var first = Make();
        var head = ScheduleRun.Run(first, 0, 2, 3);
        var state = first.GetState();
        Assert.Equal("warmup+plateau", state.Kind);
        var second = Make();
        second.LoadState(state);
        var tail = ScheduleRun.Run(second, 2, 10, 3);
        ScheduleRun.AssertClose(whole, head.Take(head.Count - 1).Concat(tail).ToList());
    }

    [Fact]
    public void A_state_of_the_bare_inner_schedule_is_rejected()
    {
        var warmup = new LinearWarmup(new CosineSchedule(10), 3);
        var error = Assert.Throws<ArgumentException>(() => warmup.LoadState(new CosineSchedule(10).GetState()));
        Assert.Contains("warmup+cosine", error.Message);
    }

    [Theory]
    [InlineData(0, 0.1, "warmupSteps")]
    [InlineData(5, -0.1, "startFactor")]
    [InlineData(5, 1.5, "startFactor")]
    public void Bad_arguments_are_named(long warmupSteps, double startFactor, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => new LinearWarmup(new ConstantSchedule(), warmupSteps, startFactor));
        Assert.Equal(parameter, error.ParamName);
    }
}
