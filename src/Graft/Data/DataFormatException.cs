namespace Graft.Data;

/// <summary>
/// Thrown when a data file is truncated, malformed or inconsistent. The message names the file and, where known,
/// the byte offset or line and what was expected there.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    /// <param name="path">The file (or folder) at fault.</param>
    /// <param name="message">What was wrong and what was expected.</param>
    /// <param name="location">Where in the file, e.g. <c>offset 16</c> or <c>line 12</c>; null when not applicable.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public DataFormatException(string path, string message, string? location = null, Exception? inner = null)
        : base(Compose(path, message, location), inner)
    {
        Path = path;
        Location = location;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }

    /// <summary>Where in the file the problem is (e.g. <c>offset 16</c>, <c>line 12, column "age"</c>), or null.</summary>
    public string? Location { get; }

    private static string Compose(string path, string message, string? location) =>
        location is null ? $"{path}: {message}" : $"{path} ({location}): {message}";
}
