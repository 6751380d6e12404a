using System.Text.Json;
using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

public class ScheduleStateTests
{
    [Fact]
    public void A_state_survives_a_json_round_trip()
    {
        var state = new ScheduleState("warmup+plateau", 1234, 7, Best: 0.3125, BadEpochs: 2, CooldownLeft: 1, PlateauFactor: 0.01);
        var json = JsonSerializer.Serialize(state);
        Assert.Equal(state, JsonSerializer.Deserialize<ScheduleState>(json));
    }

    [Fact]
    public void Infinite_and_missing_bests_survive_a_json_round_trip()
    {
        var infinite = new ScheduleState("plateau", 1, 1, Best: double.NegativeInfinity);
        Assert.Equal(infinite, JsonSerializer.Deserialize<ScheduleState>(JsonSerializer.Serialize(infinite)));
        var none = new ScheduleState("plateau", 0, 0);
        Assert.Equal(none, JsonSerializer.Deserialize<ScheduleState>(JsonSerializer.Serialize(none)));
    }

    [Fact]
    public void A_plateau_schedule_restored_through_json_continues_like_the_uninterrupted_one()
    {
        var options = new ScheduleOptions(ScheduleKind.ReduceOnPlateau, PlateauFactor: 0.5, Patience: 1, Cooldown: 2, WarmupSteps: 5);
        var whole = ScheduleRun.Run(options.Create(4, 14), 0, 14, 4);
        var first = options.Create(4, 14);
        var head = ScheduleRun.Run(first, 0, 5, 4);
        var json = JsonSerializer.Serialize(first.GetState());
        var second = options.Create(4, 14);
        second.LoadState(JsonSerializer.Deserialize<ScheduleState>(json)!);
        var tail = ScheduleRun.Run(second, 5, 14, 4);
        ScheduleRun.AssertClose(whole, head.Take(head.Count - 1).Concat(tail).ToList());
    }

    [Fact]
    public void Negative_counts_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new CosineSchedule(10).LoadState(new ScheduleState("cosine", -1, 0)));
        Assert.Contains("negative", error.Message);
    }
}
