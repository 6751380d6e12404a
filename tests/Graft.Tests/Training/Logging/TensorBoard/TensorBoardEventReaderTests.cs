using System.Buffers.Binary;
using Graft.Data;
using Graft.Training.Logging.TensorBoard;
using static Graft.Tests.Training.Logging.TensorBoard.IndependentEventParser;

namespace Graft.Tests.Training.Logging.TensorBoard;

public class TensorBoardEventReaderTests
{
    /// <summary>Writes a file of a file-version record and three scalar records; returns its path and record offsets.</summary>
    private static (string File, List<EventRecord> Records) WriteThreeScalars(TempDirectory temp)
    {
        string file;
        using (var writer = new TensorBoardWriter(temp.Path))
        {
            file = writer.FilePath;
            writer.AddScalar("loss", 1, 0);
            writer.AddScalar("loss", 2, 1);
            writer.AddScalar("loss", 3, 2);
        }
        return (file, ReadRecords(file));
    }

    private static void FlipByte(string file, long offset)
    {
        byte[] bytes = File.ReadAllBytes(file);
        bytes[offset] ^= 0x40;
        File.WriteAllBytes(file, bytes);
    }

    private static DataFormatException ReadFails(string file)
    {
        var e = Assert.Throws<DataFormatException>(() => TensorBoardEventReader.ReadScalars(file));
        Assert.Equal(file, e.Path);
        Assert.Contains(file, e.Message);
        return e;
    }

    [Fact]
    public void A_corrupted_data_byte_is_reported_with_the_offset_of_its_record()
    {
        using var temp = new TempDirectory();
        var (file, records) = WriteThreeScalars(temp);
        long recordStart = records[2].Offset;
        FlipByte(file, recordStart + 12 + 5);

        var e = ReadFails(file);
        Assert.Equal($"offset {recordStart}", e.Location);
        Assert.Contains($"offset {recordStart}", e.Message);
        Assert.Contains("record 2 has corrupted data", e.Message);
        Assert.Contains("CRC-32C", e.Message);
    }

    [Fact]
    public void A_corrupted_data_checksum_is_reported_with_the_offset_of_its_record()
    {
        using var temp = new TempDirectory();
        var (file, records) = WriteThreeScalars(temp);
        long recordStart = records[3].Offset;
        FlipByte(file, new FileInfo(file).Length - 1);

        var e = ReadFails(file);
        Assert.Equal($"offset {recordStart}", e.Location);
        Assert.Contains("record 3 has corrupted data", e.Message);
    }

    [Fact]
    public void A_corrupted_length_is_reported_as_a_bad_header_at_its_offset()
    {
        using var temp = new TempDirectory();
        var (file, records) = WriteThreeScalars(temp);
        long recordStart = records[1].Offset;
        FlipByte(file, recordStart + 1);

        var e = ReadFails(file);
        Assert.Equal($"offset {recordStart}", e.Location);
        Assert.Contains("record 1 has a corrupted header", e.Message);
    }

    [Fact]
    public void A_file_cut_inside_a_record_reports_where_that_record_starts_and_how_much_is_missing()
    {
        using var temp = new TempDirectory();
        var (file, records) = WriteThreeScalars(temp);
        using (var stream = new FileStream(file, FileMode.Open)) stream.SetLength(stream.Length - 3);

        var e = ReadFails(file);
        Assert.Equal($"offset {records[3].Offset}", e.Location);
        Assert.Contains("record 3 is truncated", e.Message);
        Assert.Contains($"declares {records[3].Data.Length} data bytes", e.Message);
    }

    [Fact]
    public void A_file_cut_inside_a_header_reports_the_missing_header()
    {
        using var temp = new TempDirectory();
        var (file, records) = WriteThreeScalars(temp);
        using (var stream = new FileStream(file, FileMode.Open)) stream.SetLength(records[3].Offset + 5);

        var e = ReadFails(file);
        Assert.Equal($"offset {records[3].Offset}", e.Location);
        Assert.Contains("12-byte header", e.Message);
        Assert.Contains("ends after 5 bytes", e.Message);
    }

    [Fact]
    public void A_huge_declared_length_with_a_valid_header_checksum_is_rejected_without_reading()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "events.out.tfevents.huge");
        byte[] header = new byte[12 + 20];
        BinaryPrimitives.WriteUInt64LittleEndian(header, 1UL << 40);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), MaskedCrc(header, 0, 8));
        File.WriteAllBytes(file, header);

        var e = ReadFails(file);
        Assert.Equal("offset 0", e.Location);
        Assert.Contains($"declares {1UL << 40} data bytes", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_event_file_fails_at_offset_0()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "notes.txt");
        File.WriteAllText(file, "this is just some text, not TFRecords");

        var e = ReadFails(file);
        Assert.Equal("offset 0", e.Location);
        Assert.Contains("corrupted header", e.Message);
    }

    [Fact]
    public void Well_framed_data_that_is_not_an_Event_message_is_reported_with_the_byte_where_decoding_failed()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "events.out.tfevents.bad");
        byte[] first = TfRecord.Frame(EventEncoding.FileVersionEvent(DateTimeOffset.UnixEpoch));
        // Field 5 (summary), length-delimited, declares 9 bytes but only 2 follow.
        byte[] second = TfRecord.Frame([0x2A, 0x09, 0x0A, 0x00]);
        File.WriteAllBytes(file, [.. first, .. second]);

        var e = ReadFails(file);
        Assert.Equal($"offset {first.Length}", e.Location);
        Assert.Contains("record 1 does not hold a valid Event message", e.Message);
        Assert.Contains("declares 9 bytes but only 2 remain", e.Message);
        Assert.Contains("at byte 1 of its 4-byte data", e.Message);
    }

    [Fact]
    public void Unknown_fields_and_any_field_order_are_accepted()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "events.out.tfevents.handmade");
        var value = new ProtoWriter().Float(2, 0.5f).Int64(7, 99).String(1, "acc");  // tag after value, unknown field 7
        var summary = new ProtoWriter().Message(1, value);
        byte[] ev = new ProtoWriter()
            .Message(5, summary)
            .Bytes(4, [1, 2, 3])       // graph_def, ignored
            .Int64(2, 12)
            .Double(1, 1_700_000_000.5)
            .WrittenSpan.ToArray();
        File.WriteAllBytes(file, TfRecord.Frame(ev));

        var scalar = Assert.Single(TensorBoardEventReader.ReadScalars(file));
        Assert.Equal(new TensorBoardScalar("acc", 12, 0.5,
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500)), scalar);
    }

    [Fact]
    public void An_empty_file_holds_no_scalars()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "events.out.tfevents.empty");
        File.WriteAllBytes(file, []);
        Assert.Empty(TensorBoardEventReader.ReadScalars(file));
    }

    [Fact]
    public void Find_event_files_lists_only_event_files_in_name_order()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(Path.Combine(temp.Path, "events.out.tfevents.2.h.1.1"), "");
        File.WriteAllText(Path.Combine(temp.Path, "events.out.tfevents.1.h.1.1"), "");
        File.WriteAllText(Path.Combine(temp.Path, "config.yaml"), "");
        Directory.CreateDirectory(Path.Combine(temp.Path, "sub"));
        File.WriteAllText(Path.Combine(temp.Path, "sub", "events.out.tfevents.0.h.1.1"), "");

        Assert.Equal(["events.out.tfevents.1.h.1.1", "events.out.tfevents.2.h.1.1"],
            TensorBoardEventReader.FindEventFiles(temp.Path).Select(Path.GetFileName));
    }
}
