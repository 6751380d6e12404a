namespace Graft.Pool;

/// <summary>A pool operation that cannot be done: the message names the entry, file or folder at fault.</summary>
public sealed class PoolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PoolException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public PoolException(string message, Exception inner) : base(message, inner) { }
}
