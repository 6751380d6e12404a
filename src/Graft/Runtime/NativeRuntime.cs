namespace Graft;

/// <summary>Reports whether the native TorchSharp runtime can be loaded on this machine.</summary>
public static class NativeRuntime
{
    /// <summary>Loads libtorch, runs one small operation and returns libtorch's version, e.g. <c>2.10.0.0</c>.</summary>
    /// <example><code>Console.WriteLine(NativeRuntime.Check());</code></example>
    public static string Check()
    {
        using var t = TorchSharp.torch.ones(2, 2);
        using var s = t.sum();
        _ = s.item<float>();
        return TorchSharp.torch.__version__;
    }
}
