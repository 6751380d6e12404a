using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Graft.Training.Logging.TensorBoard;

/// <summary>
/// A minimal protocol-buffers encoder: just the wire types the event format needs (varint, 64-bit, length-delimited,
/// 32-bit). Nested messages are encoded into their own writer first and then embedded with their length.
/// </summary>
internal sealed class ProtoWriter
{
    /// <summary>Wire type of varint fields (int64, enums, bools).</summary>
    public const int WireVarint = 0;

    /// <summary>Wire type of 64-bit fields (double, fixed64).</summary>
    public const int WireFixed64 = 1;

    /// <summary>Wire type of length-delimited fields (strings, bytes, messages).</summary>
    public const int WireLengthDelimited = 2;

    /// <summary>Wire type of 32-bit fields (float, fixed32).</summary>
    public const int WireFixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new(64);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Writes an int64 field as a varint (negative values take ten bytes, as in protobuf).</summary>
    public ProtoWriter Int64(int field, long value)
    {
        Tag(field, WireVarint);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>Writes a double field (64-bit little-endian).</summary>
    public ProtoWriter Double(int field, double value)
    {
        Tag(field, WireFixed64);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    /// <summary>Writes a float field (32-bit little-endian).</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    /// <summary>Writes a string field as UTF-8.</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Writes a bytes field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>Embeds the message written into <paramref name="message"/>.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.WrittenSpan);

    private void Tag(int field, int wireType) => Varint(((ulong)(uint)field << 3) | (uint)wireType);

    private void Varint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(10);
        int count = 0;
        while (value >= 0x80)
        {
            span[count++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[count++] = (byte)value;
        _buffer.Advance(count);
    }
}
