namespace Graft.Weights;

/// <summary>The file formats weights are stored in.</summary>
public enum WeightsFormat
{
    /// <summary>TorchSharp's own format (<c>Module.save</c>): LEB128 counts, names, dtype, shape and raw little-endian data.</summary>
    TorchSharp,

    /// <summary>safetensors: a JSON header then raw little-endian data, the format PyTorch users exchange weights in.</summary>
    Safetensors,
}

/// <summary>Helpers for <see cref="WeightsFormat"/>.</summary>
public static class WeightsFormats
{
    /// <summary>The format a file name implies: <c>.safetensors</c> is safetensors, anything else TorchSharp's format.</summary>
    /// <param name="path">A file name or path.</param>
    public static WeightsFormat FromPath(string path) =>
        path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? WeightsFormat.Safetensors : WeightsFormat.TorchSharp;

    /// <summary>Parses a format name: <c>safetensors</c> or <c>torchsharp</c> (case does not matter).</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static WeightsFormat Parse(string name) => name.ToLowerInvariant() switch
    {
        "safetensors" => WeightsFormat.Safetensors,
        "torchsharp" or "ts" => WeightsFormat.TorchSharp,
        _ => throw new ArgumentException($"unknown weights format '{name}'; expected safetensors or torchsharp."),
    };
}
