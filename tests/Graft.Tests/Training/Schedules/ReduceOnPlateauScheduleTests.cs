using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class ReduceOnPlateauScheduleTests
{
    // Values 10, 9.5, 9.2, 9.1, then 9.0 four times, then 8.0. With threshold 0.1 an improvement on 10 must be
    // below 9, so only the first value and the 8.0 improve.
    private static readonly double[] Values = [10, 9.5, 9.2, 9.1, 9.0, 9.0, 9.0, 9.0, 8.0];

    [Fact]
    public void The_factor_drops_after_more_than_patience_bad_epochs()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Min, factor: 0.5, patience: 2, threshold: 0.1);
        var factors = ScheduleRun.EpochFactors(schedule, Values);
        // Bad epochs 2, 3, 4 → reduction at the 4th epoch; bad epochs 5, 6, 7 → reduction at the 7th.
        ScheduleRun.AssertClose([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25], factors);
        Assert.Equal(8.0, schedule.Best);
    }

    [Fact]
    public void Cooldown_delays_the_counting_of_bad_epochs()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Min, factor: 0.5, patience: 2, threshold: 0.1, cooldown: 1);
        var factors = ScheduleRun.EpochFactors(schedule, Values);
        // The 5th epoch is in cooldown, so the second reduction waits for epochs 6, 7, 8.
        ScheduleRun.AssertClose([1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25], factors);
    }

    [Fact]
    public void In_max_mode_a_rising_value_is_an_improvement()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Max, factor: 0.1, patience: 1, threshold: 0.01);
        // 0.5 → best; 0.504 is not above 0.505 (bad 1); 0.6 improves; 0.6, 0.6 → bad 1, 2 → reduce.
        var factors = ScheduleRun.EpochFactors(schedule, 0.5, 0.504, 0.6, 0.6, 0.6);
        ScheduleRun.AssertClose([1, 1, 1, 1, 0.1], factors);
    }

    [Fact]
    public void The_factor_never_goes_below_the_minimum()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Min, factor: 0.1, patience: 0, minFactor: 0.05);
        var factors = ScheduleRun.EpochFactors(schedule, 1, 1, 1, 1);
        ScheduleRun.AssertClose([1, 0.1, 0.05, 0.05], factors);
    }

    [Fact]
    public void A_nan_value_is_a_bad_epoch()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Min, factor: 0.5, patience: 0);
        var factors = ScheduleRun.EpochFactors(schedule, 1, double.NaN);
        ScheduleRun.AssertClose([1, 0.5], factors);
        Assert.Equal(1.0, schedule.Best);
    }

    [Fact]
    public void A_missing_monitored_value_is_an_error()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Min);
        var error = Assert.Throws<ArgumentException>(() => schedule.OnEpochEnd(null));
        Assert.Equal("monitoredValue", error.ParamName);
        Assert.Equal(0, schedule.Epochs);
    }

    [Fact]
    public void Batches_do_not_change_the_factor()
    {
        var schedule = new ReduceOnPlateauSchedule(PlateauMode.Min, patience: 0);
        Assert.All(ScheduleRun.BatchFactors(schedule, 5), f => Assert.Equal(1.0, f));
    }

    [Fact]
    public void Restored_mid_way_it_continues_like_the_uninterrupted_one()
    {
        static ReduceOnPlateauSchedule Make() => new(PlateauMode.Min, factor: 0.5, patience: 1, threshold: 0.001, cooldown: 1, minFactor: 0.1);
        var whole = ScheduleRun.Run(Make(), 0, 14, 3);
        Assert.True(whole.Distinct().Count() >= 3, "the run should include reductions");
        // Cut after every epoch, so some cuts fall with bad epochs counted and some with a cooldown pending.
        for (int cut = 1; cut < 14; cut++)
        {
            var first = Make();
            var head = ScheduleRun.Run(first, 0, cut, 3);
            var second = Make();
            second.LoadState(first.GetState());
            var tail = ScheduleRun.Run(second, cut, 14, 3);
            ScheduleRun.AssertClose(whole, head.Take(head.Count - 1).Concat(tail).ToList());
        }
    }

    [Fact]
    public void A_state_of_another_kind_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new ReduceOnPlateauSchedule(PlateauMode.Min).LoadState(new ScheduleState("cosine", 3, 1)));
        Assert.Contains("'cosine'", error.Message);
        Assert.Contains("'plateau'", error.Message);
    }

    [Theory]
    [InlineData(0.0, 10, 1e-4, 0, 0.0, "factor")]
    [InlineData(1.0, 10, 1e-4, 0, 0.0, "factor")]
    [InlineData(0.1, -1, 1e-4, 0, 0.0, "patience")]
    [InlineData(0.1, 10, -1e-4, 0, 0.0, "threshold")]
    [InlineData(0.1, 10, 1e-4, -1, 0.0, "cooldown")]
    [InlineData(0.1, 10, 1e-4, 0, 2.0, "minFactor")]
    public void Bad_arguments_are_named(double factor, int patience, double threshold, int cooldown, double minFactor, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => new ReduceOnPlateauSchedule(PlateauMode.Min, factor, patience, threshold, cooldown, minFactor));
        Assert.Equal(parameter, error.ParamName);
    }
}
