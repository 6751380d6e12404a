using System.Runtime.InteropServices;
using Graft.Bench.Measuring;

namespace Graft.Tests.Bench;

/// <summary>Resident memory is process-wide: these tests run alone, never next to tests that allocate.</summary>
[Collection(Graft.Tests.Training.TrainerCollection.Name)]
public class ProcessMemoryTests
{
    [Fact]
    public void A_status_text_gives_the_resident_size_and_its_high_water_mark_in_bytes()
    {
        var reading = ProcessMemory.Parse("Name:\tdotnet\nVmPeak:\t  900000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t12\n");

        Assert.Equal(100L << 20, reading.Resident);
        Assert.Equal(200L << 20, reading.Peak);
    }

    [Fact]
    public void A_status_text_without_a_high_water_mark_is_refused()
    {
        var e = Assert.Throws<PlatformNotSupportedException>(() => ProcessMemory.Parse("VmRSS:\t  102400 kB\n"));
        Assert.Contains("VmHWM", e.Message);
    }

    [Fact]
    public void This_process_has_a_resident_size_and_a_high_water_mark_at_least_as_large()
    {
        var reading = ProcessMemory.Read();

        Assert.True(reading.Resident > 0);
        Assert.True(reading.Peak >= reading.Resident, $"VmHWM {reading.Peak} < VmRSS {reading.Resident}");
    }

    [Fact]
    public void Resetting_the_high_water_mark_brings_it_down_after_memory_was_freed()
    {
        // Touches 64 MB, frees it, resets VmHWM and checks it came down: what the memory study relies on per epoch.
        Assert.Null(ProcessMemory.ProbePeakReset());
    }

    [Fact]
    public void The_sampler_keeps_the_highest_resident_size_since_it_was_last_asked()
    {
        using var sampler = new ResidentSampler(TimeSpan.FromMilliseconds(5));
        long before = sampler.TakePeak();
        const int bytes = 96 << 20;
        var memory = Marshal.AllocHGlobal(bytes);
        try
        {
            for (int offset = 0; offset < bytes; offset += 4096) Marshal.WriteByte(memory, offset, 1);
            // A few samples while the memory is resident (a loaded machine may delay the sampler's thread).
            long wanted = sampler.Samples + 3;
            var until = DateTime.UtcNow.AddSeconds(10);
            while (sampler.Samples < wanted && DateTime.UtcNow < until) Thread.Sleep(5);
            Assert.True(sampler.Samples >= wanted, "the sampler took no sample within 10 s");
        }
        finally
        {
            Marshal.FreeHGlobal(memory);
        }

        long peak = sampler.TakePeak();
        long after = sampler.TakePeak();

        Assert.True(peak - before >= bytes / 2, $"the peak rose by {(peak - before) >> 20} MB while 96 MB were resident");
        Assert.True(peak - after >= bytes / 2, $"a new interval still reports {after >> 20} MB after {peak >> 20} MB was freed");
    }
}
