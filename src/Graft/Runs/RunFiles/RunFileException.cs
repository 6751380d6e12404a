namespace Graft.Runs.RunFiles;

/// <summary>A mistake in a run file. The message names the file, the line and the key at fault, and what to write instead.</summary>
public sealed class RunFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The run file.</param>
    /// <param name="line">The 1-based line, or 0 when unknown.</param>
    /// <param name="key">The dotted key at fault, e.g. <c>training.optimizer.lr</c>.</param>
    /// <param name="message">What is wrong and what is expected.</param>
    /// <param name="column">The 1-based column, or 0 when unknown.</param>
    public RunFileException(string path, int line, string key, string message, int column = 0)
        : base($"{path}{(line > 0 ? $":{line}" : "")}{(line > 0 && column > 0 ? $":{column}" : "")}: {(key.Length > 0 ? key + ": " : "")}{message}")
    {
        Path = path;
        Line = line;
        Column = column;
        Key = key;
    }

    /// <summary>The 1-based column (0 when unknown).</summary>
    public int Column { get; }

    /// <summary>The run file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>The dotted key at fault.</summary>
    public string Key { get; }
}
