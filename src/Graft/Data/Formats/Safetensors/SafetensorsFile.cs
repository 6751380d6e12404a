using static TorchSharp.torch;

namespace Graft.Data.Formats.Safetensors;

/// <summary>The content of a safetensors file: its tensors and its free-form string metadata.</summary>
/// <param name="Tensors">The tensors by name, in the order of the file's header. The caller owns them.</param>
/// <param name="Metadata">The <c>__metadata__</c> strings (empty when the file has none).</param>
public sealed record SafetensorsFile(OrderedDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) : IDisposable
{
    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
    }
}
