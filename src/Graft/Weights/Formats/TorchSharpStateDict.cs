using System.Text;
using static TorchSharp.torch;

namespace Graft.Weights.Formats;

/// <summary>
/// Reads and writes TorchSharp's own weights format (what <c>Module.save</c> writes) as a plain dictionary of
/// tensors, without a module: the LEB128 count of tensors, then for each its name (a length-prefixed UTF-8 string),
/// its dtype code (<c>ScalarType</c>), its rank, its dimensions (all LEB128) and its raw little-endian data.
/// </summary>
public static class TorchSharpStateDict
{
    /// <summary>Reads every tensor from <paramref name="stream"/>.</summary>
    /// <param name="stream">The data, from its current position.</param>
    /// <param name="nameForErrors">The name errors give for the data.</param>
    /// <returns>The tensors by name, in file order (owned by the caller).</returns>
    /// <exception cref="InvalidDataException">The data is not in TorchSharp's format.</exception>
    public static OrderedDictionary<string, Tensor> Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            long count = reader.Read7BitEncodedInt64();
            if (count < 0 || count > 1_000_000) throw Bad(nameForErrors, $"it claims {count} tensors");
            for (long i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                var type = (ScalarType)reader.Read7BitEncodedInt64();
                long rank = reader.Read7BitEncodedInt64();
                if (rank is < 0 or > 64) throw Bad(nameForErrors, $"tensor '{name}' has rank {rank}");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = reader.Read7BitEncodedInt64();
                int size = ElementSize(type) ?? throw Bad(nameForErrors, $"tensor '{name}' has unknown dtype code {(int)type}");
                long bytes = shape.Aggregate(1L, (a, b) => checked(a * b)) * size;
                if (bytes > stream.Length - stream.Position) throw Bad(nameForErrors, $"tensor '{name}' needs {bytes} bytes but only {stream.Length - stream.Position} remain");
                var data = reader.ReadBytes(checked((int)bytes));
                var t = empty(shape, type);
                t.bytes = data;
                result.Add(name, t);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw Bad(nameForErrors, $"it ends or breaks off early ({e.Message})");
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }

        return result;
    }

    /// <summary>Writes <paramref name="tensors"/> in TorchSharp's format, which <c>Module.load</c> reads.</summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="tensors">The tensors by name, in the order to write (any device, contiguous or not).</param>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write7BitEncodedInt64(list.Count);
        foreach (var (name, tensor) in list)
        {
            writer.Write(name);
            writer.Write7BitEncodedInt64((long)tensor.dtype);
            writer.Write7BitEncodedInt64(tensor.dim());
            foreach (var d in tensor.shape) writer.Write7BitEncodedInt64(d);
            using var cpu = tensor.detach().cpu().contiguous();
            writer.Write(cpu.bytes);
        }

        writer.Flush();
    }

    private static int? ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => null,
    };

    private static InvalidDataException Bad(string name, string message) =>
        new($"{name}: not a TorchSharp weights file: {message}.");
}
