using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Formats.TensorFiles;

/// <summary>Receives one chunk of a tensor's raw bytes.</summary>
internal delegate void ByteChunkAction(Span<byte> chunk);

/// <summary>
/// Raw byte access to tensors for the file readers and writers: reading a tensor's bytes from a stream without
/// trusting a declared size, writing them without per-element boxing, and fixing byte order in place.
/// </summary>
internal static class TensorBytes
{
    /// <summary>The size of the chunks tensors are read and written in (spans are limited to 2 GiB).</summary>
    internal const int ChunkBytes = 1 << 22;

    /// <summary>The size of the pieces data of untrusted length is collected in before the tensor is allocated.</summary>
    private const int IncrementalChunkBytes = 1 << 20;

    /// <summary>Calls <paramref name="action"/> on consecutive chunks of the bytes of a contiguous CPU tensor, in order.</summary>
    internal static void ForEachChunk(Tensor tensor, ByteChunkAction action)
    {
        long count = tensor.numel();
        if (count == 0) return;
        long elementSize = tensor.element_size();
        long perChunk = Math.Max(1, ChunkBytes / elementSize);
        if (count <= perChunk)
        {
            action(tensor.bytes);
            return;
        }

        using var flat = tensor.reshape(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(part.bytes);
        }
    }

    /// <summary>
    /// Writes the raw (native, little-endian) bytes of <paramref name="tensor"/> to <paramref name="stream"/>, copying the
    /// tensor to the CPU and into contiguous memory first when needed.
    /// </summary>
    internal static void Write(Stream stream, Tensor tensor)
    {
        EnsureLittleEndian();
        Tensor? cpu = tensor.device_type == DeviceType.CPU ? null : tensor.cpu();
        try
        {
            var source = cpu ?? tensor;
            if (source.is_contiguous())
            {
                ForEachChunk(source, chunk => stream.Write(chunk));
            }
            else
            {
                using var contiguous = source.contiguous();
                ForEachChunk(contiguous, chunk => stream.Write(chunk));
            }
        }
        finally
        {
            cpu?.Dispose();
        }
    }

    /// <summary>
    /// Reads a tensor of <paramref name="dtype"/> and <paramref name="shape"/> (<paramref name="byteCount"/> bytes) from
    /// <paramref name="stream"/>. When <paramref name="byteCount"/> is at most <paramref name="directLimit"/> (a size
    /// already checked against what the source can hold) the tensor is allocated at once and filled; otherwise the bytes
    /// are collected in pieces as they arrive, so memory grows only with data actually present, and the tensor is
    /// allocated once they are all there. Returns null when the stream ends early; <paramref name="bytesRead"/> tells how
    /// many bytes were there.
    /// </summary>
    internal static Tensor? TryRead(Stream stream, ScalarType dtype, long[] shape, long byteCount, long directLimit, out long bytesRead)
    {
        EnsureLittleEndian();
        bytesRead = 0;
        if (byteCount <= directLimit)
        {
            var tensor = empty(shape, dtype);
            long read = 0;
            bool complete = true;
            try
            {
                ForEachChunk(tensor, chunk =>
                {
                    if (!complete) return;
                    int got = ReadAtMost(stream, chunk);
                    read += got;
                    if (got < chunk.Length) complete = false;
                });
            }
            catch
            {
                tensor.Dispose();
                throw;
            }

            bytesRead = read;
            if (complete) return tensor;
            tensor.Dispose();
            return null;
        }

        var pieces = new List<byte[]>();
        long total = 0;
        while (total < byteCount)
        {
            var piece = new byte[(int)Math.Min(IncrementalChunkBytes, byteCount - total)];
            int got = ReadAtMost(stream, piece);
            total += got;
            if (got < piece.Length)
            {
                bytesRead = total;
                return null;
            }

            pieces.Add(piece);
        }

        bytesRead = total;
        var result = empty(shape, dtype);
        int index = 0, offset = 0;
        ForEachChunk(result, chunk =>
        {
            while (chunk.Length > 0)
            {
                var piece = pieces[index];
                int n = Math.Min(chunk.Length, piece.Length - offset);
                piece.AsSpan(offset, n).CopyTo(chunk);
                chunk = chunk[n..];
                offset += n;
                if (offset == piece.Length) { index++; offset = 0; }
            }
        });
        return result;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the number of bytes read.</summary>
    internal static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }

        return total;
    }

    /// <summary>Reverses the byte order of every <paramref name="unitSize"/>-byte unit of a contiguous CPU tensor, in place.</summary>
    internal static void ReverseByteOrder(Tensor tensor, int unitSize)
    {
        if (unitSize == 1) return;
        ForEachChunk(tensor, chunk =>
        {
            switch (unitSize)
            {
                case 2:
                    var u16 = MemoryMarshal.Cast<byte, ushort>(chunk);
                    BinaryPrimitives.ReverseEndianness(u16, u16);
                    break;
                case 4:
                    var u32 = MemoryMarshal.Cast<byte, uint>(chunk);
                    BinaryPrimitives.ReverseEndianness(u32, u32);
                    break;
                case 8:
                    var u64 = MemoryMarshal.Cast<byte, ulong>(chunk);
                    BinaryPrimitives.ReverseEndianness(u64, u64);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(unitSize), unitSize, "Byte order can be reversed for 2-, 4- and 8-byte units.");
            }
        });
    }

    /// <summary>Makes every byte of a bool tensor 0 or 1 (files may store any non-zero byte for true).</summary>
    internal static void NormalizeBool(Tensor tensor)
    {
        ForEachChunk(tensor, chunk =>
        {
            for (int i = 0; i < chunk.Length; i++)
                if (chunk[i] > 1) chunk[i] = 1;
        });
    }

    /// <summary>The product of <paramref name="shape"/>, or null when it overflows a 64-bit count.</summary>
    internal static long? ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) return null;
            try { count = checked(count * d); }
            catch (OverflowException) { return null; }
        }

        return count;
    }

    /// <summary><c>[2, 3]</c>-style text for a shape.</summary>
    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Tensor file readers and writers need a little-endian machine.");
    }
}
