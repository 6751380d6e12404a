namespace Graft.Weights;

/// <summary>Weights that cannot be used: not found, of another architecture, or not fitting the module. The message names the entry and what is wrong.</summary>
public class WeightsException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the entry.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public WeightsException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A weights file whose SHA-256 is not the one its entry records: refused before any weight is used.</summary>
public sealed class WeightsVerificationException : WeightsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entry">The entry's name.</param>
    /// <param name="path">The file that was read.</param>
    /// <param name="expected">The digest the entry records.</param>
    /// <param name="actual">The file's digest.</param>
    public WeightsVerificationException(string entry, string path, string expected, string actual)
        : base($"weights {entry}: SHA-256 mismatch for {path}: expected {expected}, actual {actual}. The file is corrupt or was replaced; nothing was loaded.")
    {
        Entry = entry;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The entry's name.</summary>
    public string Entry { get; }

    /// <summary>The digest the entry records.</summary>
    public string Expected { get; }

    /// <summary>The file's digest.</summary>
    public string Actual { get; }
}

/// <summary>
/// A reference a source recognises as its own kind (e.g. <c>pool:name@3</c>) names nothing there: the resolver passes
/// the source's message on as the whole answer, without listing the other sources.
/// </summary>
public sealed class WeightsNotFoundException : WeightsException
{
    /// <summary>Creates the exception.</summary>
    public WeightsNotFoundException(string message, Exception? inner = null) : base(message, inner) { }
}
