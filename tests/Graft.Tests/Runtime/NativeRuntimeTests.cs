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
