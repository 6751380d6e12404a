using System.Buffers.Binary;

namespace Graft.Training.Logging.TensorBoard;

/// <summary>A protobuf message that cannot be decoded; <see cref="Position"/> is the byte within the record's data.</summary>
internal sealed class ProtoFormatException(string message, int position) : Exception(message)
{
    /// <summary>The byte offset within the record's data where decoding failed.</summary>
    public int Position { get; } = position;
}

/// <summary>
/// A minimal protocol-buffers decoder over a span. Positions reported in errors are relative to the start of the
/// record's data, also inside nested messages. Never reads past its span.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _base;
    private int _position;

    /// <summary>Reads <paramref name="data"/>, which starts at byte <paramref name="baseOffset"/> of the record's data.</summary>
    public ProtoReader(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        _data = data;
        _base = baseOffset;
        _position = 0;
    }

    /// <summary>True when every byte has been read.</summary>
    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>The current position relative to the start of the record's data.</summary>
    public readonly int Position => _base + _position;

    /// <summary>Reads a field key: the field number and the wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        int start = Position;
        ulong key = ReadVarint();
        ulong field = key >> 3;
        if (field is 0 or > 536_870_911)
            throw new ProtoFormatException($"expected a protobuf field key, found field number {field}", start);
        return ((int)field, (int)(key & 7));
    }

    /// <summary>Reads a varint of at most ten bytes.</summary>
    public ulong ReadVarint()
    {
        int start = Position;
        ulong value = 0;
        for (int i = 0; i < 10; i++)
        {
            if (_position >= _data.Length)
                throw new ProtoFormatException("varint runs past the end of its message", start);
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return value;
        }
        throw new ProtoFormatException("varint is longer than 10 bytes", start);
    }

    /// <summary>Reads 8 little-endian bytes.</summary>
    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "64-bit value"));

    /// <summary>Reads 4 little-endian bytes.</summary>
    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "32-bit value"));

    /// <summary>Reads a length-delimited value; a reader over it starts with <c>new ProtoReader(span, start)</c>.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited(out int start)
    {
        int lengthAt = Position;
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw new ProtoFormatException(
                $"length-delimited field declares {length} bytes but only {_data.Length - _position} remain in its message", lengthAt);
        start = Position;
        return Take((int)length, "length-delimited value");
    }

    /// <summary>Skips a field of an unknown number.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case ProtoWriter.WireVarint: ReadVarint(); break;
            case ProtoWriter.WireFixed64: Take(8, "64-bit value"); break;
            case ProtoWriter.WireLengthDelimited: ReadLengthDelimited(out _); break;
            case ProtoWriter.WireFixed32: Take(4, "32-bit value"); break;
            default:
                throw new ProtoFormatException($"unsupported protobuf wire type {wireType} (expected 0, 1, 2 or 5)", Position);
        }
    }

    /// <summary>Throws unless the field has the expected wire type.</summary>
    public readonly void Expect(int field, int wireType, int expected)
    {
        if (wireType != expected)
            throw new ProtoFormatException($"field {field} has wire type {wireType}, expected {expected}", Position);
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (_data.Length - _position < count)
            throw new ProtoFormatException(
                $"{what} needs {count} bytes but only {_data.Length - _position} remain in its message", Position);
        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
