using Graft.Training.Schedules;

namespace Graft.Tests.Training.Schedules;

/// <summary>Drives a schedule like a training loop and records the factor used for every batch.</summary>
internal static class ScheduleRun
{
    /// <summary>A monitored value per epoch that improves, stalls, improves a little and stalls again.</summary>
    internal static double Monitored(int epoch) => epoch switch
    {
        < 3 => 10 - epoch,
        < 7 => 8,
        < 9 => 7.9,
        _ => 7.9 + 0.01 * epoch,
    };

    /// <summary>Runs epochs <paramref name="firstEpoch"/> to <paramref name="endEpoch"/> (exclusive), returning the factor before each batch.</summary>
    internal static List<double> Run(LearningRateSchedule schedule, int firstEpoch, int endEpoch, int stepsPerEpoch)
    {
        var factors = new List<double>();
        for (int epoch = firstEpoch; epoch < endEpoch; epoch++)
        {
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                factors.Add(schedule.Factor);
                schedule.OnBatchEnd();
            }
            schedule.OnEpochEnd(Monitored(epoch));
        }
        factors.Add(schedule.Factor);
        return factors;
    }

    /// <summary>Factors seen by the schedule after each epoch end.</summary>
    internal static List<double> EpochFactors(LearningRateSchedule schedule, params double[] values)
    {
        var factors = new List<double>();
        foreach (double value in values)
        {
            schedule.OnEpochEnd(value);
            factors.Add(schedule.Factor);
        }
        return factors;
    }

    /// <summary>Factors before each of the first <paramref name="steps"/> + 1 batches.</summary>
    internal static List<double> BatchFactors(LearningRateSchedule schedule, int steps)
    {
        var factors = new List<double> { schedule.Factor };
        for (int i = 0; i < steps; i++)
        {
            schedule.OnBatchEnd();
            factors.Add(schedule.Factor);
        }
        return factors;
    }

    internal static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, int precision = 12)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < Math.Pow(10, -precision), $"At {i}: expected {expected[i]}, got {actual[i]}.");
    }
}
