using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Graft.Data;

namespace Graft.Training.Logging.TensorBoard;

/// <summary>
/// Reads TensorBoard event files back: checks the TFRecord framing and both checksums of every record and decodes
/// scalar and text summaries. A truncated, corrupted or malformed file raises <see cref="DataFormatException"/> naming
/// the byte offset of the bad record.
/// </summary>
/// <example>
/// <code>
/// foreach (string file in TensorBoardEventReader.FindEventFiles("runs/mnist"))
///     foreach (var s in TensorBoardEventReader.ReadScalars(file))
///         Console.WriteLine($"{s.Tag} @ {s.Step}: {s.Value}");
/// </code>
/// </example>
public static class TensorBoardEventReader
{
    /// <summary>The event files in <paramref name="directory"/> (not its subfolders), in name order.</summary>
    /// <param name="directory">A log directory.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static IReadOnlyList<string> FindEventFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var files = Directory.GetFiles(directory, "events.out.tfevents.*");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Every scalar summary value in the file, in file order.</summary>
    /// <param name="path">An event file.</param>
    /// <exception cref="DataFormatException">The file is truncated, a checksum does not match, or an event is malformed.</exception>
    public static IReadOnlyList<TensorBoardScalar> ReadScalars(string path)
    {
        var scalars = new List<TensorBoardScalar>();
        Read(path, scalars, texts: null);
        return scalars;
    }

    /// <summary>Every text summary (values tagged for the <c>text</c> plugin) in the file, in file order.</summary>
    /// <param name="path">An event file.</param>
    /// <exception cref="DataFormatException">The file is truncated, a checksum does not match, or an event is malformed.</exception>
    public static IReadOnlyList<TensorBoardText> ReadTexts(string path)
    {
        var texts = new List<TensorBoardText>();
        Read(path, scalars: null, texts);
        return texts;
    }

    private static void Read(string path, List<TensorBoardScalar>? scalars, List<TensorBoardText>? texts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        foreach (var (offset, index, data) in ReadRecords(path))
        {
            try
            {
                DecodeEvent(data, scalars, texts);
            }
            catch (ProtoFormatException e)
            {
                throw new DataFormatException(path,
                    $"record {index} does not hold a valid Event message: {e.Message} " +
                    $"(at byte {e.Position} of its {data.Length}-byte data, file offset {offset + TfRecord.HeaderLength + e.Position})",
                    Location(offset));
            }
        }
    }

    /// <summary>
    /// The data of every record with the file offset where the record starts, after checking the framing and both
    /// checksums. Memory is bounded by the file's length: a declared length is checked against the bytes present.
    /// </summary>
    internal static IEnumerable<(long Offset, int Index, byte[] Data)> ReadRecords(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
        long fileLength = stream.Length;
        long offset = 0;
        int index = 0;
        var header = new byte[TfRecord.HeaderLength];
        var footer = new byte[TfRecord.FooterLength];
        while (offset < fileLength)
        {
            long remaining = fileLength - offset;
            if (remaining < TfRecord.HeaderLength)
                throw new DataFormatException(path,
                    $"record {index} is truncated: expected a {TfRecord.HeaderLength}-byte header (length and its CRC), " +
                    $"but the file ends after {remaining} bytes", Location(offset));
            stream.ReadExactly(header);

            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            uint storedLengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
            uint lengthCrc = TfRecord.MaskedCrc(header.AsSpan(0, 8));
            if (storedLengthCrc != lengthCrc)
                throw new DataFormatException(path,
                    $"record {index} has a corrupted header: the masked CRC-32C of its length bytes is {Hex(lengthCrc)}, " +
                    $"but {Hex(storedLengthCrc)} is stored (not a TFRecord event file, or damaged)", Location(offset));

            long available = remaining - TfRecord.HeaderLength - TfRecord.FooterLength;
            if (length > (ulong)Math.Max(available, 0))
                throw new DataFormatException(path,
                    $"record {index} is truncated: its header declares {length} data bytes plus a {TfRecord.FooterLength}-byte CRC, " +
                    $"but only {remaining - TfRecord.HeaderLength} bytes follow the header", Location(offset));
            if (length > (ulong)Array.MaxLength)
                throw new DataFormatException(path,
                    $"record {index} declares {length} data bytes, more than one record may hold ({Array.MaxLength})", Location(offset));

            var data = new byte[(int)length];
            stream.ReadExactly(data);
            stream.ReadExactly(footer);
            uint storedDataCrc = BinaryPrimitives.ReadUInt32LittleEndian(footer);
            uint dataCrc = TfRecord.MaskedCrc(data);
            if (storedDataCrc != dataCrc)
                throw new DataFormatException(path,
                    $"record {index} has corrupted data: the masked CRC-32C of its {length} data bytes is {Hex(dataCrc)}, " +
                    $"but {Hex(storedDataCrc)} is stored", Location(offset));

            yield return (offset, index, data);
            offset += TfRecord.HeaderLength + (long)length + TfRecord.FooterLength;
            index++;
        }
    }

    private static string Location(long offset) => "offset " + offset.ToString(CultureInfo.InvariantCulture);

    private static string Hex(uint value) => "0x" + value.ToString("X8", CultureInfo.InvariantCulture);

    private static void DecodeEvent(ReadOnlySpan<byte> data, List<TensorBoardScalar>? scalars, List<TensorBoardText>? texts)
    {
        var reader = new ProtoReader(data);
        double wallTime = 0;
        long step = 0;
        // An Event's fields may come in any order: remember where the summary is and decode it at the end.
        int summaryStart = -1, summaryLength = 0;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case EventEncoding.EventWallTime:
                    reader.Expect(field, wire, ProtoWriter.WireFixed64);
                    wallTime = BitConverter.Int64BitsToDouble((long)reader.ReadFixed64());
                    break;
                case EventEncoding.EventStep:
                    reader.Expect(field, wire, ProtoWriter.WireVarint);
                    step = unchecked((long)reader.ReadVarint());
                    break;
                case EventEncoding.EventSummary:
                    reader.Expect(field, wire, ProtoWriter.WireLengthDelimited);
                    summaryLength = reader.ReadLengthDelimited(out summaryStart).Length;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (summaryStart < 0) return;

        DateTimeOffset time = FromUnixSeconds(wallTime, reader.Position);
        var summary = new ProtoReader(data.Slice(summaryStart, summaryLength), summaryStart);
        while (!summary.AtEnd)
        {
            var (field, wire) = summary.ReadTag();
            if (field != EventEncoding.SummaryValue)
            {
                summary.Skip(wire);
                continue;
            }
            summary.Expect(field, wire, ProtoWriter.WireLengthDelimited);
            var valueData = summary.ReadLengthDelimited(out int valueStart);
            DecodeValue(new ProtoReader(valueData, valueStart), step, time, scalars, texts);
        }
    }

    private static void DecodeValue(ProtoReader reader, long step, DateTimeOffset time,
        List<TensorBoardScalar>? scalars, List<TensorBoardText>? texts)
    {
        string tag = "";
        float? simpleValue = null;
        string? plugin = null;
        List<string>? strings = null;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case EventEncoding.ValueTag:
                    reader.Expect(field, wire, ProtoWriter.WireLengthDelimited);
                    tag = Encoding.UTF8.GetString(reader.ReadLengthDelimited(out _));
                    break;
                case EventEncoding.ValueSimpleValue:
                    reader.Expect(field, wire, ProtoWriter.WireFixed32);
                    simpleValue = BitConverter.Int32BitsToSingle((int)reader.ReadFixed32());
                    break;
                case EventEncoding.ValueMetadata:
                    reader.Expect(field, wire, ProtoWriter.WireLengthDelimited);
                    var metadata = reader.ReadLengthDelimited(out int metadataStart);
                    plugin = DecodePluginName(new ProtoReader(metadata, metadataStart)) ?? plugin;
                    break;
                case EventEncoding.ValueTensor:
                    reader.Expect(field, wire, ProtoWriter.WireLengthDelimited);
                    var tensor = reader.ReadLengthDelimited(out int tensorStart);
                    strings = DecodeStrings(new ProtoReader(tensor, tensorStart));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (simpleValue is float value)
            scalars?.Add(new TensorBoardScalar(tag, step, value, time));
        else if (plugin == EventEncoding.TextPlugin && strings is not null)
            texts?.Add(new TensorBoardText(tag, step, string.Join('\n', strings), time));
    }

    private static string? DecodePluginName(ProtoReader metadata)
    {
        string? name = null;
        while (!metadata.AtEnd)
        {
            var (field, wire) = metadata.ReadTag();
            if (field != EventEncoding.MetadataPluginData)
            {
                metadata.Skip(wire);
                continue;
            }
            metadata.Expect(field, wire, ProtoWriter.WireLengthDelimited);
            var pluginData = metadata.ReadLengthDelimited(out int start);
            var reader = new ProtoReader(pluginData, start);
            while (!reader.AtEnd)
            {
                var (f, w) = reader.ReadTag();
                if (f == EventEncoding.PluginName)
                {
                    reader.Expect(f, w, ProtoWriter.WireLengthDelimited);
                    name = Encoding.UTF8.GetString(reader.ReadLengthDelimited(out _));
                }
                else
                {
                    reader.Skip(w);
                }
            }
        }
        return name;
    }

    private static List<string> DecodeStrings(ProtoReader tensor)
    {
        var strings = new List<string>();
        while (!tensor.AtEnd)
        {
            var (field, wire) = tensor.ReadTag();
            if (field == EventEncoding.TensorStringVal)
            {
                tensor.Expect(field, wire, ProtoWriter.WireLengthDelimited);
                strings.Add(Encoding.UTF8.GetString(tensor.ReadLengthDelimited(out _)));
            }
            else
            {
                tensor.Skip(wire);
            }
        }
        return strings;
    }

    private static DateTimeOffset FromUnixSeconds(double seconds, int position)
    {
        double ticks = Math.Round(seconds * TimeSpan.TicksPerSecond);
        double min = -DateTimeOffset.UnixEpoch.UtcTicks;
        double max = DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (double.IsNaN(ticks) || ticks < min || ticks > max)
            throw new ProtoFormatException($"wall_time {seconds.ToString(CultureInfo.InvariantCulture)} is not a valid time in seconds since 1970", position);
        return DateTimeOffset.UnixEpoch.AddTicks((long)ticks);
    }
}
