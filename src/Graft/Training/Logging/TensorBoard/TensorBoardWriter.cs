using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Graft.Training.Logging.TensorBoard;

/// <summary>
/// Writes a TensorBoard event file: scalars and text, one event per call, in the TFRecord framing TensorBoard reads.
/// Each writer creates its own file <c>events.out.tfevents.&lt;unix seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;counter&gt;</c>
/// in the log directory, so several writers (runs, processes) can share a directory. Writes are buffered;
/// <see cref="Flush"/> makes everything written so far durable on disk, and <see cref="Dispose"/> flushes and closes.
/// All members are thread-safe.
/// </summary>
/// <example>
/// <code>
/// using var writer = new TensorBoardWriter("runs/mnist");
/// for (long step = 0; step &lt; 100; step++)
///     writer.AddScalar("train/loss", loss, step);
/// writer.AddText("config", "lr = 0.001", step: 0);
/// writer.Flush();   // durable now; Dispose also flushes
/// </code>
/// </example>
public sealed class TensorBoardWriter : IDisposable
{
    private const int MaxCreateAttempts = 1000;

    private static int s_fileCounter;

    private readonly object _gate = new();
    private readonly FileStream _stream;
    private readonly long _flushIntervalTicks;
    private long _lastPushTimestamp;
    private bool _disposed;

    /// <summary>Creates <paramref name="logDirectory"/> if needed and a new event file in it.</summary>
    /// <param name="logDirectory">The folder TensorBoard is pointed at (<c>--logdir</c>), or one of its subfolders.</param>
    /// <param name="options">Buffering and naming; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is invalid or the directory is empty.</exception>
    /// <exception cref="IOException">The directory or file cannot be created.</exception>
    public TensorBoardWriter(string logDirectory, TensorBoardWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        options ??= new TensorBoardWriterOptions();
        options.Validate();

        LogDirectory = Path.GetFullPath(logDirectory);
        Directory.CreateDirectory(LogDirectory);
        _flushIntervalTicks = double.IsPositiveInfinity(options.FlushIntervalSeconds)
            ? long.MaxValue
            : (long)Math.Min(options.FlushIntervalSeconds * Stopwatch.Frequency, long.MaxValue / 2.0);

        (FilePath, _stream) = CreateUniqueFile(LogDirectory, options);
        try
        {
            _stream.Write(TfRecord.Frame(EventEncoding.FileVersionEvent(DateTimeOffset.UtcNow)));
            // The file is recognisable as an event file as soon as the constructor returns.
            _stream.Flush(flushToDisk: false);
            _lastPushTimestamp = Stopwatch.GetTimestamp();
        }
        catch
        {
            _stream.Dispose();
            TryDelete(FilePath);
            throw;
        }
    }

    /// <summary>The full path of the log directory.</summary>
    public string LogDirectory { get; }

    /// <summary>The full path of the event file this writer writes.</summary>
    public string FilePath { get; }

    /// <summary>Adds a scalar (stored as a 32-bit float, as TensorBoard does) to the series <paramref name="tag"/>.</summary>
    /// <param name="tag">The series name, e.g. <c>train/loss</c>; slashes group series in TensorBoard.</param>
    /// <param name="value">The value; NaN and infinities are kept.</param>
    /// <param name="step">The x-axis position, usually the global step or the epoch.</param>
    /// <param name="wallTime">When the value was measured; null for now.</param>
    /// <exception cref="ObjectDisposedException">The writer has been disposed.</exception>
    public void AddScalar(string tag, double value, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Append(EventEncoding.ScalarEvent(tag, (float)value, step, wallTime ?? DateTimeOffset.UtcNow));
    }

    /// <summary>Adds a text entry, shown (as Markdown) in TensorBoard's Text tab.</summary>
    /// <param name="tag">The entry's name.</param>
    /// <param name="text">The text.</param>
    /// <param name="step">The step the text belongs to.</param>
    /// <param name="wallTime">When the text was written; null for now.</param>
    /// <exception cref="ObjectDisposedException">The writer has been disposed.</exception>
    public void AddText(string tag, string text, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Append(EventEncoding.TextEvent(tag, text, step, wallTime ?? DateTimeOffset.UtcNow));
    }

    /// <summary>Adds an image, shown in TensorBoard's Images tab.</summary>
    /// <param name="tag">The image's name.</param>
    /// <param name="pixels">Pixel values in [0, 1], <c>[channels, height, width]</c> with 1 or 3 channels (values outside are clipped).</param>
    /// <param name="step">The step the image belongs to.</param>
    /// <param name="wallTime">When the image was written; null for now.</param>
    /// <exception cref="ArgumentException">The tensor is not <c>[1 or 3, height, width]</c>.</exception>
    public void AddImage(string tag, TorchSharp.torch.Tensor pixels, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pixels.dim() != 3 || pixels.shape[0] is not (1 or 3))
            throw new ArgumentException($"An image is [1 or 3 channels, height, width]; this tensor is [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        int channels = (int)pixels.shape[0], height = (int)pixels.shape[1], width = (int)pixels.shape[2];
        byte[] bytes;
        using (var scope = TorchSharp.torch.NewDisposeScope())
            bytes = (pixels.detach().cpu().to_type(TorchSharp.torch.ScalarType.Float32).clamp(0, 1) * 255).round().to_type(TorchSharp.torch.ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        using var png = new MemoryStream();
        new StbImageWriteSharp.ImageWriter().WritePng(bytes, width, height, channels == 1 ? StbImageWriteSharp.ColorComponents.Grey : StbImageWriteSharp.ColorComponents.RedGreenBlue, png);
        Append(EventEncoding.ImageEvent(tag, png.ToArray(), height, width, channels, step, wallTime ?? DateTimeOffset.UtcNow));
    }

    /// <summary>Writes every buffered record to the file and forces it to the disk.</summary>
    /// <exception cref="ObjectDisposedException">The writer has been disposed.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Flush(flushToDisk: true);
            _lastPushTimestamp = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Flushes to disk and closes the file. Calling it again does nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            try
            {
                _stream.Flush(flushToDisk: true);
            }
            finally
            {
                _stream.Dispose();
            }
        }
    }

    private void Append(byte[] eventData)
    {
        byte[] record = TfRecord.Frame(eventData);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Write(record);
            long now = Stopwatch.GetTimestamp();
            if (now - _lastPushTimestamp >= _flushIntervalTicks)
            {
                _stream.Flush(flushToDisk: false);
                _lastPushTimestamp = now;
            }
        }
    }

    private static (string Path, FileStream Stream) CreateUniqueFile(string directory, TensorBoardWriterOptions options)
    {
        string seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string host = SafeHostName();
        string pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        for (int attempt = 0; ; attempt++)
        {
            int counter = Interlocked.Increment(ref s_fileCounter);
            string name = $"events.out.tfevents.{seconds}.{host}.{pid}.{counter.ToString(CultureInfo.InvariantCulture)}{options.FileNameSuffix}";
            string path = Path.Combine(directory, name);
            try
            {
                var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write,
                    FileShare.Read | FileShare.Delete, options.BufferSize);
                return (path, stream);
            }
            catch (IOException) when (File.Exists(path) && attempt < MaxCreateAttempts)
            {
                // Another process with the same id wrote into this directory in the same second: take the next counter.
            }
        }
    }

    private static string SafeHostName()
    {
        string host;
        try
        {
            host = Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            host = "";
        }
        var safe = new StringBuilder(host.Length);
        foreach (char c in host)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return safe.Length == 0 ? "localhost" : safe.ToString();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
