using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Graft.Data.Formats.Idx;

/// <summary>Writes tensors as IDX files (raw or gzip-compressed), the format <see cref="IdxReader"/> reads.</summary>
public static class IdxWriter
{
    /// <summary>
    /// Writes <paramref name="tensor"/> to <paramref name="path"/> as an IDX file. Supported element types:
    /// <c>uint8</c>, <c>int8</c>, <c>int16</c>, <c>int32</c>, <c>float32</c>, <c>float64</c>; 1 to
    /// <see cref="IdxReader.MaxDimensions"/> dimensions.
    /// </summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="tensor">The tensor to write (any device, any layout).</param>
    /// <param name="gzip">Whether to gzip-compress the file.</param>
    public static void Write(string path, Tensor tensor, bool gzip = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var type = tensor.dtype switch
        {
            ScalarType.Byte => IdxDataType.UInt8,
            ScalarType.Int8 => IdxDataType.Int8,
            ScalarType.Int16 => IdxDataType.Int16,
            ScalarType.Int32 => IdxDataType.Int32,
            ScalarType.Float32 => IdxDataType.Float32,
            ScalarType.Float64 => IdxDataType.Float64,
            _ => throw new ArgumentException(
                $"IDX files cannot hold {tensor.dtype} elements; convert to uint8, int8, int16, int32, float32 or float64 first.", nameof(tensor)),
        };
        if (tensor.dim() is 0 or > IdxReader.MaxDimensions)
            throw new ArgumentException($"IDX files hold 1 to {IdxReader.MaxDimensions} dimensions; the tensor has {tensor.dim()}.", nameof(tensor));
        if (tensor.shape.Any(d => d > int.MaxValue))
            throw new ArgumentException("IDX dimensions are int32; a dimension of the tensor is larger.", nameof(tensor));

        using var scope = NewDisposeScope();
        var flat = tensor.detach().cpu().contiguous().reshape(-1);
        byte[] data = type switch
        {
            IdxDataType.UInt8 => flat.data<byte>().ToArray(),
            IdxDataType.Int8 => MemoryMarshal.AsBytes(flat.data<sbyte>().ToArray().AsSpan()).ToArray(),
            IdxDataType.Int16 => BigEndian(flat.data<short>().ToArray()),
            IdxDataType.Int32 => BigEndian(flat.data<int>().ToArray()),
            IdxDataType.Float32 => BigEndian(flat.data<float>().ToArray()),
            _ => BigEndian(flat.data<double>().ToArray()),
        };

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        Span<byte> header = stackalloc byte[4 + (4 * IdxReader.MaxDimensions)];
        header[0] = 0;
        header[1] = 0;
        header[2] = (byte)type;
        header[3] = (byte)tensor.dim();
        for (int i = 0; i < tensor.dim(); i++) BinaryPrimitives.WriteInt32BigEndian(header.Slice(4 + (4 * i), 4), (int)tensor.shape[i]);
        output.Write(header[..(4 + (4 * (int)tensor.dim()))]);
        output.Write(data);
    }

    private static byte[] BigEndian<T>(T[] values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) return bytes;
        int size = Marshal.SizeOf<T>();
        for (int i = 0; i < bytes.Length; i += size) bytes.AsSpan(i, size).Reverse();
        return bytes;
    }
}
