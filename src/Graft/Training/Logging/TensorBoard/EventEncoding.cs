using System.Text;

namespace Graft.Training.Logging.TensorBoard;

/// <summary>
/// The field numbers of the TensorBoard event protos that Graft writes and reads, and the encoders of its events.
/// </summary>
internal static class EventEncoding
{
    // Event
    public const int EventWallTime = 1;      // double
    public const int EventStep = 2;          // int64
    public const int EventFileVersion = 3;   // string
    public const int EventSummary = 5;       // Summary

    // Summary
    public const int SummaryValue = 1;       // repeated Value

    // Summary.Value
    public const int ValueTag = 1;           // string
    public const int ValueSimpleValue = 2;   // float
    public const int ValueTensor = 8;        // TensorProto
    public const int ValueMetadata = 9;      // SummaryMetadata

    // SummaryMetadata and its PluginData
    public const int MetadataPluginData = 1; // PluginData
    public const int PluginName = 1;         // string

    // TensorProto, TensorShapeProto and its Dim
    public const int TensorDType = 1;        // enum DataType
    public const int TensorShape = 2;        // TensorShapeProto
    public const int TensorStringVal = 8;    // repeated bytes
    public const int ShapeDim = 2;           // repeated Dim
    public const int DimSize = 1;            // int64

    /// <summary>The <c>DataType</c> enum value of strings.</summary>
    public const int DTypeString = 7;

    /// <summary>The version string of the first event of every file.</summary>
    public const string FileVersion = "brain.Event:2";

    /// <summary>The plugin that shows text summaries.</summary>
    public const string TextPlugin = "text";

    /// <summary>Seconds since the Unix epoch, with sub-second precision.</summary>
    public static double ToUnixSeconds(DateTimeOffset time) =>
        (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>The first event of a file: its wall time and <see cref="FileVersion"/>.</summary>
    public static byte[] FileVersionEvent(DateTimeOffset wallTime) =>
        new ProtoWriter()
            .Double(EventWallTime, ToUnixSeconds(wallTime))
            .String(EventFileVersion, FileVersion)
            .WrittenSpan.ToArray();

    /// <summary>An event holding one scalar summary value.</summary>
    public static byte[] ScalarEvent(string tag, float value, long step, DateTimeOffset wallTime)
    {
        var summaryValue = new ProtoWriter().String(ValueTag, tag).Float(ValueSimpleValue, value);
        return SummaryEvent(summaryValue, step, wallTime);
    }

    /// <summary>An event holding one text summary: a one-element string tensor tagged for the text plugin.</summary>
    public static byte[] TextEvent(string tag, string text, long step, DateTimeOffset wallTime)
    {
        var pluginData = new ProtoWriter().String(PluginName, TextPlugin);
        var metadata = new ProtoWriter().Message(MetadataPluginData, pluginData);
        var shape = new ProtoWriter().Message(ShapeDim, new ProtoWriter().Int64(DimSize, 1));
        var tensor = new ProtoWriter()
            .Int64(TensorDType, DTypeString)
            .Message(TensorShape, shape)
            .Bytes(TensorStringVal, Encoding.UTF8.GetBytes(text));
        var summaryValue = new ProtoWriter()
            .String(ValueTag, tag)
            .Message(ValueMetadata, metadata)
            .Message(ValueTensor, tensor);
        return SummaryEvent(summaryValue, step, wallTime);
    }

    /// <summary>An event holding one image summary (Summary.Value.image: height 1, width 2, colorspace 3, encoded PNG 4).</summary>
    public static byte[] ImageEvent(string tag, ReadOnlySpan<byte> png, int height, int width, int channels, long step, DateTimeOffset wallTime)
    {
        var image = new ProtoWriter().Int64(1, height).Int64(2, width).Int64(3, channels).Bytes(4, png);
        var summaryValue = new ProtoWriter().String(ValueTag, tag).Message(4, image);
        return SummaryEvent(summaryValue, step, wallTime);
    }

    private static byte[] SummaryEvent(ProtoWriter summaryValue, long step, DateTimeOffset wallTime)
    {
        var summary = new ProtoWriter().Message(SummaryValue, summaryValue);
        return new ProtoWriter()
            .Double(EventWallTime, ToUnixSeconds(wallTime))
            .Int64(EventStep, step)
            .Message(EventSummary, summary)
            .WrittenSpan.ToArray();
    }
}
