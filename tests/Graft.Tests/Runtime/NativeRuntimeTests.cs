namespace Graft.Tests;

public class NativeRuntimeTests
{
    [Fact]
    public void TorchSharp_loads_and_computes_on_this_machine()
    {
        Assert.StartsWith("2.", NativeRuntime.Check());
        using var a = TorchSharp.torch.arange(6).reshape(2, 3);
        Assert.Equal(15L, a.sum().item<long>());
    }
}

public class AllocatorTuningTests
{
    [Fact]
    public void The_allocator_is_tuned_on_linux_with_glibc_and_tensors_still_compute()
    {
        // CI runs on Debian (glibc): both thresholds are accepted by mallopt.
        Assert.Equal(OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(AllocatorTuning.Switch) != "0", NativeRuntime.TuneAllocator());
        Assert.True(NativeRuntime.TuneAllocator() == NativeRuntime.TuneAllocator());   // once per process, the same answer

        // A tensor larger than the new mmap threshold and many smaller than it, allocated and freed in turn.
        for (int i = 0; i < 3; i++)
        {
            using var big = TorchSharp.torch.ones(AllocatorTuning.MmapThreshold / 4 + 1);
            using var total = big.sum();
            Assert.Equal(AllocatorTuning.MmapThreshold / 4 + 1, total.item<float>());
        }
    }
}
