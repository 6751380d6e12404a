using Graft.Data.Formats.Safetensors;
using static TorchSharp.torch;

namespace Graft.Weights.Formats;

/// <summary>Reads and writes state dictionaries (tensors by name) in either <see cref="WeightsFormat"/>.</summary>
public static class WeightsFile
{
    /// <summary>Reads a state dictionary from bytes already in memory (so what was hashed is what is read).</summary>
    /// <param name="bytes">The file's content.</param>
    /// <param name="format">Its format.</param>
    /// <param name="nameForErrors">The name errors give for the data.</param>
    /// <returns>The tensors by name, owned by the caller.</returns>
    /// <exception cref="InvalidDataException">The data is not in that format.</exception>
    public static OrderedDictionary<string, Tensor> Read(byte[] bytes, WeightsFormat format, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        if (format == WeightsFormat.TorchSharp) return TorchSharpStateDict.Read(stream, nameForErrors);
        try
        {
            var file = SafetensorsReader.Read(stream, nameForErrors);
            return file.Tensors;
        }
        catch (Graft.Data.DataFormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>Reads the state dictionary in the file at <paramref name="path"/> (format from its extension unless given).</summary>
    /// <exception cref="InvalidDataException">The file is not in that format.</exception>
    public static OrderedDictionary<string, Tensor> Read(string path, WeightsFormat? format = null) =>
        Read(File.ReadAllBytes(path), format ?? WeightsFormats.FromPath(path), path);

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> in <paramref name="format"/>, atomically (a temporary file, then a rename).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="format">The format.</param>
    /// <param name="metadata">Strings stored in the safetensors header's <c>__metadata__</c> (ignored for TorchSharp's format).</param>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, WeightsFormat format, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (format == WeightsFormat.Safetensors)
        {
            SafetensorsWriter.Write(path, tensors, metadata);
            return;
        }

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            TorchSharpStateDict.Write(stream, tensors);
            stream.Flush(true);
        }

        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>The parameters and buffers of <paramref name="module"/> by name, in the module's order (the tensors are the module's own; do not dispose them).</summary>
    public static OrderedDictionary<string, Tensor> StateOf(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in module.state_dict()) result[k] = v;
        return result;
    }
}
