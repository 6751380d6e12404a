namespace Graft;

/// <summary>Reports whether the native TorchSharp runtime can be loaded on this machine.</summary>
public static class NativeRuntime
{
    /// <summary>Loads libtorch and returns its version string, e.g. <c>2.10.0</c>.</summary>
    public static string Check()
    {
        using var t = TorchSharp.torch.ones(2, 2);
        return TorchSharp.torch.__version__;
    }
}
