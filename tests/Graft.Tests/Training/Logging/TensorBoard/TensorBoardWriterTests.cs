using System.Text.RegularExpressions;
using Graft.Training.Logging.TensorBoard;
using static Graft.Tests.Training.Logging.TensorBoard.IndependentEventParser;

namespace Graft.Tests.Training.Logging.TensorBoard;

public class TensorBoardWriterTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 17, 10, 30, 15, 250, TimeSpan.Zero);

    [Fact]
    public void Constructor_creates_the_directory_and_a_file_named_after_time_host_process_and_counter()
    {
        using var temp = new TempDirectory();
        string logDir = Path.Combine(temp.Path, "runs", "a");
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var writer = new TensorBoardWriter(logDir);
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.True(Directory.Exists(logDir));
        Assert.Equal(Path.GetFullPath(logDir), Path.GetDirectoryName(writer.FilePath));
        Assert.True(File.Exists(writer.FilePath));
        var match = Regex.Match(Path.GetFileName(writer.FilePath),
            @"^events\.out\.tfevents\.(\d+)\.([A-Za-z0-9._-]+)\.(\d+)\.(\d+)$");
        Assert.True(match.Success, writer.FilePath);
        long seconds = long.Parse(match.Groups[1].Value);
        Assert.InRange(seconds, before, after);
        Assert.Equal(Environment.ProcessId, int.Parse(match.Groups[3].Value));
    }

    [Fact]
    public void File_name_suffix_is_appended()
    {
        using var temp = new TempDirectory();
        using var writer = new TensorBoardWriter(temp.Path, new TensorBoardWriterOptions(FileNameSuffix: ".train"));
        Assert.EndsWith(".train", writer.FilePath);
    }

    [Fact]
    public void First_record_is_an_event_with_wall_time_and_file_version_brain_Event_2()
    {
        using var temp = new TempDirectory();
        double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        using var writer = new TensorBoardWriter(temp.Path);
        double after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        // Readable straight after construction, before any Flush.
        var records = ReadRecords(writer.FilePath);
        Assert.Single(records);
        Assert.Equal(0, records[0].Offset);
        var fields = SplitFields(records[0].Data);
        Assert.Equal([1, 3], fields.Select(f => f.Number));
        Assert.Equal(1, fields.One(1).Wire);
        Assert.InRange(fields.One(1).AsDouble, before - 0.01, after + 0.01);
        Assert.Equal(2, fields.One(3).Wire);
        Assert.Equal("brain.Event:2", fields.One(3).Text);
    }

    [Fact]
    public void Scalars_are_read_back_with_their_tags_steps_values_times_and_order()
    {
        using var temp = new TempDirectory();
        string file;
        using (var writer = new TensorBoardWriter(temp.Path))
        {
            file = writer.FilePath;
            writer.AddScalar("train/loss", 2.5, 0, T0);
            writer.AddScalar("train/loss", 1.25, 1, T0.AddSeconds(1));
            writer.AddScalar("val/accuracy", 0.875, 1, T0.AddSeconds(2));
            writer.AddScalar("train/loss", 0.1, 2, T0.AddSeconds(3));
        }

        var scalars = TensorBoardEventReader.ReadScalars(file);
        Assert.Equal(["train/loss", "train/loss", "val/accuracy", "train/loss"], scalars.Select(s => s.Tag));
        Assert.Equal([0L, 1, 1, 2], scalars.Select(s => s.Step));
        Assert.Equal([2.5, 1.25, 0.875, (double)0.1f], scalars.Select(s => s.Value));
        Assert.Equal([T0, T0.AddSeconds(1), T0.AddSeconds(2), T0.AddSeconds(3)],
            scalars.Select(s => s.WallTime));
    }

    [Fact]
    public void Scalar_events_have_the_protobuf_layout_tensorboard_expects()
    {
        using var temp = new TempDirectory();
        string file;
        using (var writer = new TensorBoardWriter(temp.Path))
        {
            file = writer.FilePath;
            writer.AddScalar("loss", -3.75, 42, T0);
        }

        var records = ReadRecords(file);
        Assert.Equal(2, records.Count);
        var ev = SplitFields(records[1].Data);
        Assert.Equal(1, ev.One(1).Wire);
        Assert.Equal(T0.ToUnixTimeMilliseconds() / 1000.0, ev.One(1).AsDouble, 6);
        Assert.Equal(0, ev.One(2).Wire);
        Assert.Equal(42UL, ev.One(2).Number64);
        var summary = ev.One(5).Message;
        var value = Assert.Single(summary, f => f.Number == 1).Message;
        Assert.Equal("loss", value.One(1).Text);
        Assert.Equal(5, value.One(2).Wire);
        Assert.Equal(-3.75f, value.One(2).AsFloat);
        Assert.Equal(2, value.Count);
    }

    [Fact]
    public void Text_is_a_one_element_string_tensor_tagged_for_the_text_plugin()
    {
        using var temp = new TempDirectory();
        string file;
        const string text = "lr = 0.001\n*bold* ünïcödé";
        using (var writer = new TensorBoardWriter(temp.Path))
        {
            file = writer.FilePath;
            writer.AddText("config", text, 7, T0);
        }

        var ev = SplitFields(ReadRecords(file)[1].Data);
        Assert.Equal(7UL, ev.One(2).Number64);
        var value = ev.One(5).Message.One(1).Message;
        Assert.Equal("config", value.One(1).Text);
        Assert.Equal("text", value.One(9).Message.One(1).Message.One(1).Text);
        var tensor = value.One(8).Message;
        Assert.Equal(7UL, tensor.One(1).Number64);                                   // DT_STRING
        Assert.Equal(1UL, tensor.One(2).Message.One(2).Message.One(1).Number64);   // shape [1]
        Assert.Equal(text, tensor.One(8).Text);

        var read = Assert.Single(TensorBoardEventReader.ReadTexts(file));
        Assert.Equal(new TensorBoardText("config", 7, text, T0), read);
        Assert.Empty(TensorBoardEventReader.ReadScalars(file));
    }

    [Theory]
    [InlineData(-5L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Extreme_steps_round_trip(long step)
    {
        using var temp = new TempDirectory();
        string file;
        using (var writer = new TensorBoardWriter(temp.Path))
        {
            file = writer.FilePath;
            writer.AddScalar("x", 1, step);
        }
        Assert.Equal(step, Assert.Single(TensorBoardEventReader.ReadScalars(file)).Step);
        Assert.Equal(unchecked((ulong)step), SplitFields(ReadRecords(file)[1].Data).One(2).Number64);
    }

    [Fact]
    public void NaN_and_infinities_are_kept()
    {
        using var temp = new TempDirectory();
        string file;
        using (var writer = new TensorBoardWriter(temp.Path))
        {
            file = writer.FilePath;
            writer.AddScalar("x", double.NaN, 0);
            writer.AddScalar("x", double.PositiveInfinity, 1);
            writer.AddScalar("x", double.NegativeInfinity, 2);
        }
        var values = TensorBoardEventReader.ReadScalars(file).Select(s => s.Value).ToArray();
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(double.PositiveInfinity, values[1]);
        Assert.Equal(double.NegativeInfinity, values[2]);
    }

    [Fact]
    public void Two_writers_in_the_same_directory_write_two_distinct_files()
    {
        using var temp = new TempDirectory();
        using var first = new TensorBoardWriter(temp.Path);
        using var second = new TensorBoardWriter(temp.Path);
        Assert.NotEqual(first.FilePath, second.FilePath);

        first.AddScalar("a", 1, 0);
        second.AddScalar("b", 2, 0);
        first.Flush();
        second.Flush();
        Assert.Equal("a", Assert.Single(TensorBoardEventReader.ReadScalars(first.FilePath)).Tag);
        Assert.Equal("b", Assert.Single(TensorBoardEventReader.ReadScalars(second.FilePath)).Tag);
        Assert.Equal(new[] { first.FilePath, second.FilePath }.Order(StringComparer.Ordinal),
            TensorBoardEventReader.FindEventFiles(temp.Path));
    }

    [Fact]
    public void Records_stay_buffered_until_flush_which_makes_them_readable_while_open()
    {
        using var temp = new TempDirectory();
        using var writer = new TensorBoardWriter(temp.Path,
            new TensorBoardWriterOptions(BufferSize: 1 << 20, FlushIntervalSeconds: double.PositiveInfinity));
        long headerOnly = new FileInfo(writer.FilePath).Length;
        for (int i = 0; i < 10; i++) writer.AddScalar("loss", i, i);
        Assert.Equal(headerOnly, new FileInfo(writer.FilePath).Length);

        writer.Flush();
        Assert.Equal(10, TensorBoardEventReader.ReadScalars(writer.FilePath).Count);
        Assert.Equal(11, ReadRecords(writer.FilePath).Count);
    }

    [Fact]
    public void A_zero_flush_interval_pushes_every_record_to_the_file()
    {
        using var temp = new TempDirectory();
        using var writer = new TensorBoardWriter(temp.Path,
            new TensorBoardWriterOptions(BufferSize: 1 << 20, FlushIntervalSeconds: 0));
        writer.AddScalar("loss", 1, 0);
        writer.AddText("note", "hi", 0);
        Assert.Single(TensorBoardEventReader.ReadScalars(writer.FilePath));
        Assert.Single(TensorBoardEventReader.ReadTexts(writer.FilePath));
    }

    [Fact]
    public void Dispose_flushes_every_record_and_closes_the_file()
    {
        using var temp = new TempDirectory();
        var writer = new TensorBoardWriter(temp.Path,
            new TensorBoardWriterOptions(BufferSize: 1 << 20, FlushIntervalSeconds: double.PositiveInfinity));
        for (int i = 0; i < 100; i++) writer.AddScalar("loss", i * 0.5, i);
        writer.AddText("summary", "done", 99);
        writer.Dispose();

        var scalars = TensorBoardEventReader.ReadScalars(writer.FilePath);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), scalars.Select(s => s.Step));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 0.5), scalars.Select(s => s.Value));
        Assert.Equal(102, ReadRecords(writer.FilePath).Count);
        // Closed: the file can be opened for exclusive writing.
        using (new FileStream(writer.FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
    }

    [Fact]
    public void Dispose_twice_is_harmless_and_later_calls_throw_ObjectDisposedException()
    {
        using var temp = new TempDirectory();
        var writer = new TensorBoardWriter(temp.Path);
        writer.AddScalar("loss", 1, 0);
        writer.Dispose();
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("loss", 2, 1));
        Assert.Throws<ObjectDisposedException>(() => writer.AddText("t", "x", 1));
        Assert.Throws<ObjectDisposedException>(() => writer.Flush());
        Assert.Single(TensorBoardEventReader.ReadScalars(writer.FilePath));
    }

    [Fact]
    public void Concurrent_adds_from_several_threads_lose_and_tear_no_record()
    {
        using var temp = new TempDirectory();
        string file;
        using (var writer = new TensorBoardWriter(temp.Path, new TensorBoardWriterOptions(BufferSize: 256)))
        {
            file = writer.FilePath;
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            {
                for (int i = 0; i < 250; i++) writer.AddScalar($"thread{t}", i, i);
            });
        }

        Assert.Equal(1001, ReadRecords(file).Count);
        var scalars = TensorBoardEventReader.ReadScalars(file);
        for (int t = 0; t < 4; t++)
        {
            var steps = scalars.Where(s => s.Tag == $"thread{t}").Select(s => s.Step).ToList();
            Assert.Equal(Enumerable.Range(0, 250).Select(i => (long)i), steps);
        }
    }

    [Theory]
    [InlineData(0, 30.0, "", "buffer size")]
    [InlineData(4096, -1.0, "", "flush interval")]
    [InlineData(4096, double.NaN, "", "flush interval")]
    [InlineData(4096, 30.0, "a/b", "suffix")]
    public void Invalid_options_are_rejected_naming_the_option(int bufferSize, double interval, string suffix, string named)
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() =>
            new TensorBoardWriter(temp.Path, new TensorBoardWriterOptions(bufferSize, interval, suffix)));
        Assert.Contains(named, e.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Empty_tags_are_rejected()
    {
        using var temp = new TempDirectory();
        using var writer = new TensorBoardWriter(temp.Path);
        Assert.Throws<ArgumentException>(() => writer.AddScalar("", 1, 0));
        Assert.Throws<ArgumentNullException>(() => writer.AddText("t", null!, 0));
    }
}
