using System.Buffers.Binary;

namespace Graft.Training.Logging.TensorBoard;

/// <summary>
/// The TFRecord framing of event files. Each record is: the data length as a little-endian <c>uint64</c>, the masked
/// CRC-32C of those 8 length bytes as a little-endian <c>uint32</c>, the data, and the masked CRC-32C of the data as a
/// little-endian <c>uint32</c>.
/// </summary>
internal static class TfRecord
{
    /// <summary>Bytes before the data: the length and its CRC.</summary>
    public const int HeaderLength = 12;

    /// <summary>Bytes after the data: its CRC.</summary>
    public const int FooterLength = 4;

    /// <summary>The masked CRC-32C of <paramref name="data"/>, as stored in a record.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data) => Crc32C.Mask(Crc32C.Compute(data));

    /// <summary>One complete record (header, data, footer) holding <paramref name="data"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> data)
    {
        var record = new byte[HeaderLength + data.Length + FooterLength];
        Span<byte> span = record;
        BinaryPrimitives.WriteUInt64LittleEndian(span[..8], (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span.Slice(8, 4), MaskedCrc(span[..8]));
        data.CopyTo(span[HeaderLength..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(HeaderLength + data.Length)..], MaskedCrc(data));
        return record;
    }
}
