namespace Graft.Training.Logging.TensorBoard;

/// <summary>How a <see cref="TensorBoardWriter"/> writes its event file.</summary>
/// <param name="BufferSize">Bytes of records kept in memory before they are written to the file (at least 1, at most 64 MiB).</param>
/// <param name="FlushIntervalSeconds">
/// At most how many seconds an added record waits in the buffer: when an <c>Add</c> call finds the last push older
/// than this, the buffer is handed to the operating system, where TensorBoard can see it. 0 pushes after every
/// record; <see cref="double.PositiveInfinity"/> pushes only when the buffer is full, on
/// <see cref="TensorBoardWriter.Flush"/> and on <see cref="TensorBoardWriter.Dispose"/>.
/// </param>
/// <param name="FileNameSuffix">Text appended to the file name (letters, digits, '.', '_' and '-' only), e.g. <c>.train</c>.</param>
public sealed record TensorBoardWriterOptions(
    int BufferSize = 64 * 1024,
    double FlushIntervalSeconds = 30,
    string FileNameSuffix = "")
{
    /// <summary>The largest accepted <see cref="BufferSize"/>.</summary>
    public const int MaxBufferSize = 64 * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (BufferSize is < 1 or > MaxBufferSize)
            throw new ArgumentException($"The TensorBoard buffer size must be between 1 and {MaxBufferSize} bytes; it is {BufferSize}.");
        if (double.IsNaN(FlushIntervalSeconds) || FlushIntervalSeconds < 0)
            throw new ArgumentException($"The TensorBoard flush interval must be 0 or more seconds; it is {FlushIntervalSeconds}.");
        if (FileNameSuffix is null)
            throw new ArgumentException("The TensorBoard file name suffix must not be null; use \"\" for none.");
        foreach (char c in FileNameSuffix)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                throw new ArgumentException(
                    $"The TensorBoard file name suffix may hold only letters, digits, '.', '_' and '-'; \"{FileNameSuffix}\" has '{c}'.");
        }
    }
}
