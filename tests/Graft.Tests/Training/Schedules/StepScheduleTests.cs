using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class StepScheduleTests
{
    [Fact]
    public void The_factor_drops_by_gamma_every_step_epochs()
    {
        var schedule = new StepSchedule(2, 0.5);
        var factors = new List<double> { schedule.Factor };
        factors.AddRange(ScheduleRun.EpochFactors(schedule, 0, 0, 0, 0, 0));
        ScheduleRun.AssertClose([1, 1, 0.5, 0.5, 0.25, 0.25], factors);
    }

    [Fact]
    public void Batches_do_not_change_the_factor()
    {
        var schedule = new StepSchedule(1, 0.1);
        Assert.All(ScheduleRun.BatchFactors(schedule, 10), f => Assert.Equal(1.0, f));
    }

    [Fact]
    public void Restored_mid_way_it_continues_like_the_uninterrupted_one()
    {
        var whole = ScheduleRun.Run(new StepSchedule(3, 0.3), 0, 10, 2);
        var first = new StepSchedule(3, 0.3);
        var head = ScheduleRun.Run(first, 0, 4, 2);
        var second = new StepSchedule(3, 0.3);
        second.LoadState(first.GetState());
        var tail = ScheduleRun.Run(second, 4, 10, 2);
        ScheduleRun.AssertClose(whole, head.Take(head.Count - 1).Concat(tail).ToList());
    }

    [Theory]
    [InlineData(0, 0.5, "stepEpochs")]
    [InlineData(2, 0, "gamma")]
    [InlineData(2, 1.5, "gamma")]
    [InlineData(2, double.NaN, "gamma")]
    public void Bad_arguments_are_named(int stepEpochs, double gamma, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => new StepSchedule(stepEpochs, gamma));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(parameter, error.Message);
    }
}
