namespace Graft.Models.Catalog;

/// <summary>
/// A catalog name was unknown, or one of its arguments was missing, unknown or of the wrong type, or the builder or
/// loss refused the values. The message names the entry, the argument and what was expected.
/// </summary>
public sealed class ModelArgumentException : ArgumentException
{
    /// <summary>Creates the exception for an argument of a builder.</summary>
    /// <param name="builder">The builder's name.</param>
    /// <param name="argument">The argument at fault.</param>
    /// <param name="message">What is wrong and what was expected.</param>
    public ModelArgumentException(string builder, string argument, string message)
        : this(CatalogEntryKind.Builder, builder, argument, message)
    {
    }

    /// <summary>Creates the exception for an entry of any kind.</summary>
    /// <param name="kind">What the entry is.</param>
    /// <param name="name">The entry's name.</param>
    /// <param name="argument">The argument at fault, or null when the fault is the entry itself (e.g. an unknown name).</param>
    /// <param name="message">What is wrong and what was expected.</param>
    public ModelArgumentException(CatalogEntryKind kind, string name, string? argument, string message)
        : base(argument is null ? $"{CatalogEntry.KindText(kind)} '{name}': {message}" : $"{CatalogEntry.KindText(kind)} '{name}', argument '{argument}': {message}")
    {
        Kind = kind;
        Name = name;
        Argument = argument;
    }

    /// <summary>What the entry is: a builder, a loss or a metric.</summary>
    public CatalogEntryKind Kind { get; }

    /// <summary>The entry's name as it was asked for.</summary>
    public string Name { get; }

    /// <summary>The argument at fault; null when the fault is the entry itself.</summary>
    public string? Argument { get; }
}
