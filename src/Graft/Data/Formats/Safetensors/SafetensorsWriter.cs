using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Graft.Data.Formats.TensorFiles;
using static TorchSharp.torch;

namespace Graft.Data.Formats.Safetensors;

/// <summary>
/// Writes safetensors files that other safetensors readers accept: tensors in name order (ordinal), laid out back to
/// back, the JSON header padded with spaces to a multiple of 8 bytes so the data buffer starts aligned. Files are written
/// atomically (a temporary file in the same folder, then a rename), and tensor bytes are copied straight from tensor
/// memory in large chunks.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to the file at <paramref name="path"/>, replacing any existing file.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">The tensors by name; any device, contiguous or not. Names must be non-empty and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Free-form string metadata stored under <c>__metadata__</c>; null or empty for none.</param>
    /// <exception cref="ArgumentException">A name is invalid or a tensor's dtype has no safetensors equivalent (complex types).</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var header = BuildHeader(ordered, metadata);
        AtomicFile.Write(path, stream => WriteBody(stream, header, ordered));
    }

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> in the safetensors format to <paramref name="stream"/>, from its current position.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">The tensors by name; any device, contiguous or not.</param>
    /// <param name="metadata">Free-form string metadata stored under <c>__metadata__</c>; null or empty for none.</param>
    /// <exception cref="ArgumentException">A name is invalid or a tensor's dtype has no safetensors equivalent.</exception>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        WriteBody(stream, BuildHeader(ordered, metadata), ordered);
    }

    private static void WriteBody(Stream stream, byte[] header, List<KeyValuePair<string, Tensor>> ordered)
    {
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)header.Length);
        stream.Write(size);
        stream.Write(header);
        foreach (var (_, tensor) in ordered) TensorBytes.Write(stream, tensor);
    }

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes.</summary>
    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(key, nameof(metadata));
                    ArgumentNullException.ThrowIfNull(value, $"{nameof(metadata)}['{key}']");
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name must not be empty.", nameof(tensors));
                if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
                ArgumentNullException.ThrowIfNull(tensor, $"{nameof(tensors)}['{name}']");
                var dtype = SafetensorsDType.NameFor(tensor.dtype)
                    ?? throw new ArgumentException($"Tensor '{name}' is {tensor.dtype}, which safetensors cannot store.", nameof(tensors));
                long bytes = tensor.numel() * tensor.element_size();
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (var d in tensor.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
