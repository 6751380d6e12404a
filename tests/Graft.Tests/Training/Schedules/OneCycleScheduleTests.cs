using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class OneCycleScheduleTests
{
    [Fact]
    public void The_factor_rises_from_one_over_div_to_the_peak_and_falls_to_the_final_value()
    {
        // T = 100, pct 0.25: the peak is at step 0.25·100 − 1 = 24, the end at step 99.
        var factors = ScheduleRun.BatchFactors(new OneCycleSchedule(100, pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4), 105);
        Assert.Equal(1.0 / 25, factors[0], 12);
        Assert.Equal((1.0 / 25 + 1) / 2, factors[12], 12); // half-way up the cosine
        Assert.Equal(1.0, factors[24], 12);
        Assert.Equal(1.0 / 25 / 1e4, factors[99], 15);
        Assert.Equal(1.0 / 25 / 1e4, factors[105], 15); // stays at the end value
        for (int i = 1; i <= 24; i++) Assert.True(factors[i] > factors[i - 1]);
        for (int i = 25; i <= 99; i++) Assert.True(factors[i] < factors[i - 1]);
    }

    [Fact]
    public void Half_way_down_the_factor_is_the_mean_of_peak_and_end()
    {
        // T = 52, pct 0.5: peak at step 25, end at step 51, so step 38 is half-way down.
        var factors = ScheduleRun.BatchFactors(new OneCycleSchedule(52, pctStart: 0.5, divFactor: 10, finalDivFactor: 100), 51);
        Assert.Equal(0.1, factors[0], 12);
        Assert.Equal(1.0, factors[25], 12);
        Assert.Equal((1 + 0.001) / 2, factors[38], 12);
        Assert.Equal(0.001, factors[51], 12);
    }

    [Fact]
    public void Restored_mid_way_it_continues_like_the_uninterrupted_one()
    {
        var whole = ScheduleRun.Run(new OneCycleSchedule(40), 0, 8, 5);
        var first = new OneCycleSchedule(40);
        var head = ScheduleRun.Run(first, 0, 3, 5);
        var second = new OneCycleSchedule(40);
        second.LoadState(first.GetState());
        var tail = ScheduleRun.Run(second, 3, 8, 5);
        ScheduleRun.AssertClose(whole, head.Take(head.Count - 1).Concat(tail).ToList());
    }

    [Theory]
    [InlineData(1, 0.3, 25, 1e4, "totalSteps")]
    [InlineData(100, 0, 25, 1e4, "pctStart")]
    [InlineData(100, 1, 25, 1e4, "pctStart")]
    [InlineData(100, 0.3, 0.5, 1e4, "divFactor")]
    [InlineData(100, 0.3, 25, double.PositiveInfinity, "finalDivFactor")]
    public void Bad_arguments_are_named(long totalSteps, double pctStart, double divFactor, double finalDivFactor, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => new OneCycleSchedule(totalSteps, pctStart, divFactor, finalDivFactor));
        Assert.Equal(parameter, error.ParamName);
    }
}
