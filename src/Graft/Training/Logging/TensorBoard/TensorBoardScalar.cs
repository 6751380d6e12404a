namespace Graft.Training.Logging.TensorBoard;

/// <summary>One scalar read back from an event file.</summary>
/// <param name="Tag">The series name.</param>
/// <param name="Step">The step it was logged at.</param>
/// <param name="Value">The value; event files store scalars as 32-bit floats, so this has float precision.</param>
/// <param name="WallTime">When it was logged (UTC).</param>
public sealed record TensorBoardScalar(string Tag, long Step, double Value, DateTimeOffset WallTime);

/// <summary>One text entry read back from an event file.</summary>
/// <param name="Tag">The entry's name.</param>
/// <param name="Step">The step it was logged at.</param>
/// <param name="Text">The text; the elements of a multi-element string tensor are joined with newlines.</param>
/// <param name="WallTime">When it was logged (UTC).</param>
public sealed record TensorBoardText(string Tag, long Step, string Text, DateTimeOffset WallTime);
