using System.Text;

namespace Graft.Tests.Training.Logging.TensorBoard;

/// <summary>
/// A deliberately separate, minimal decoder of event files for the tests, so that they do not only trust the
/// library's reader: its own bit-by-bit CRC-32C, its own framing loop and its own protobuf field splitter.
/// </summary>
internal static class IndependentEventParser
{
    public sealed record EventRecord(long Offset, byte[] Data);

    /// <summary>One protobuf field: number, wire type, and either the number (varint/fixed) or the bytes.</summary>
    public sealed record Field(int Number, int Wire, ulong Number64, byte[] Bytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes);
        public double AsDouble => BitConverter.UInt64BitsToDouble(Number64);
        public float AsFloat => BitConverter.UInt32BitsToSingle((uint)Number64);
        public List<Field> Message => SplitFields(Bytes);
    }

    public static uint Crc32CBitwise(byte[] data, int start, int count)
    {
        uint crc = 0xFFFFFFFF;
        for (int i = start; i < start + count; i++)
        {
            crc ^= data[i];
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }

    public static uint MaskedCrc(byte[] data, int start, int count)
    {
        uint crc = Crc32CBitwise(data, start, count);
        uint rotated = (crc >> 15) | (crc << 17);
        return unchecked(rotated + 0xA282EAD8);
    }

    /// <summary>Every record of the file; asserts the framing and both CRCs.</summary>
    public static List<EventRecord> ReadRecords(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        var records = new List<EventRecord>();
        int pos = 0;
        while (pos < file.Length)
        {
            Assert.True(file.Length - pos >= 16, $"record at {pos} is cut short");
            ulong length = 0;
            for (int i = 7; i >= 0; i--) length = (length << 8) | file[pos + i];
            uint lengthCrc = LittleEndian32(file, pos + 8);
            Assert.Equal(MaskedCrc(file, pos, 8), lengthCrc);
            Assert.True((ulong)(file.Length - pos - 16) >= length, $"record at {pos} declares too many bytes");
            int n = (int)length;
            uint dataCrc = LittleEndian32(file, pos + 12 + n);
            Assert.Equal(MaskedCrc(file, pos + 12, n), dataCrc);
            records.Add(new EventRecord(pos, file[(pos + 12)..(pos + 12 + n)]));
            pos += 12 + n + 4;
        }
        return records;
    }

    /// <summary>Splits a protobuf message into its fields (wire types 0, 1, 2 and 5 only).</summary>
    public static List<Field> SplitFields(byte[] message)
    {
        var fields = new List<Field>();
        int pos = 0;
        while (pos < message.Length)
        {
            ulong key = Varint(message, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    fields.Add(new Field(number, wire, Varint(message, ref pos), []));
                    break;
                case 1:
                    ulong v64 = 0;
                    for (int i = 7; i >= 0; i--) v64 = (v64 << 8) | message[pos + i];
                    fields.Add(new Field(number, wire, v64, []));
                    pos += 8;
                    break;
                case 2:
                    int len = checked((int)Varint(message, ref pos));
                    fields.Add(new Field(number, wire, 0, message[pos..(pos + len)]));
                    pos += len;
                    break;
                case 5:
                    fields.Add(new Field(number, wire, LittleEndian32(message, pos), []));
                    pos += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wire} at {pos}");
            }
        }
        return fields;
    }

    public static Field One(this List<Field> fields, int number) => fields.Single(f => f.Number == number);

    private static ulong Varint(byte[] data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }

    private static uint LittleEndian32(byte[] data, int pos) =>
        data[pos] | (uint)data[pos + 1] << 8 | (uint)data[pos + 2] << 16 | (uint)data[pos + 3] << 24;
}
