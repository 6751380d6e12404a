using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class CosineScheduleTests
{
    [Fact]
    public void The_factor_starts_at_one_passes_the_middle_and_ends_at_the_minimum()
    {
        var factors = ScheduleRun.BatchFactors(new CosineSchedule(10, minFactor: 0.1), 12);
        Assert.Equal(1.0, factors[0], 12);
        Assert.Equal(0.55, factors[5], 12);
        Assert.Equal(0.1, factors[10], 12);
        Assert.Equal(0.1, factors[12], 12);
        for (int i = 1; i <= 10; i++) Assert.True(factors[i] < factors[i - 1]);
    }

    [Fact]
    public void Without_a_minimum_it_anneals_to_zero()
    {
        var factors = ScheduleRun.BatchFactors(new CosineSchedule(4), 4);
        ScheduleRun.AssertClose([1, (1 + Math.Sqrt(0.5)) / 2, 0.5, (1 - Math.Sqrt(0.5)) / 2, 0], factors);
    }

    [Fact]
    public void Epoch_ends_do_not_change_the_factor()
    {
        var schedule = new CosineSchedule(10);
        schedule.OnEpochEnd(1.0);
        Assert.Equal(1.0, schedule.Factor);
    }

    [Fact]
    public void Restored_mid_way_it_continues_like_the_uninterrupted_one()
    {
        var whole = ScheduleRun.Run(new CosineSchedule(30, 0.05), 0, 6, 5);
        var first = new CosineSchedule(30, 0.05);
        var head = ScheduleRun.Run(first, 0, 2, 5);
        var second = new CosineSchedule(30, 0.05);
        second.LoadState(first.GetState());
        var tail = ScheduleRun.Run(second, 2, 6, 5);
        ScheduleRun.AssertClose(whole, head.Take(head.Count - 1).Concat(tail).ToList());
    }

    [Theory]
    [InlineData(0, 0, "totalSteps")]
    [InlineData(10, -0.1, "minFactor")]
    [InlineData(10, 1.1, "minFactor")]
    public void Bad_arguments_are_named(long totalSteps, double minFactor, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => new CosineSchedule(totalSteps, minFactor));
        Assert.Equal(parameter, error.ParamName);
    }
}
