using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class ConstantScheduleTests
{
    [Fact]
    public void The_factor_stays_one_and_the_counts_advance()
    {
        var schedule = new ConstantSchedule();
        var factors = ScheduleRun.Run(schedule, 0, 3, 4);
        Assert.All(factors, f => Assert.Equal(1.0, f));
        Assert.Equal(12, schedule.Steps);
        Assert.Equal(3, schedule.Epochs);
        Assert.Equal(new ScheduleState("constant", 12, 3), schedule.GetState());
    }
}
