namespace Graft.Data.Formats.Csv;

/// <summary>A label column of a CSV file and, optionally, its declared kind.</summary>
/// <param name="Column">The column's name in the header.</param>
/// <param name="Kind">
/// The label's kind; null infers it: text columns are <see cref="LabelKind.Class"/> (sorted class names), number
/// columns follow <see cref="LabelKinds.Infer"/>. A single column cannot be <see cref="LabelKind.MultiLabel"/>.
/// </param>
public sealed record CsvLabel(string Column, LabelKind? Kind = null)
{
    /// <summary>A label column whose kind is inferred.</summary>
    public static implicit operator CsvLabel(string column) => new(column);
}

/// <summary>Options for <see cref="CsvReader"/>.</summary>
/// <example>
/// <code>
/// var data = CsvReader.Read("houses.csv", new CsvReadOptions { Labels = ["price"] });
/// var typed = CsvReader.Read("people.csv", new CsvReadOptions { Labels = [new CsvLabel("age", LabelKind.Value)] });
/// </code>
/// </example>
public sealed record CsvReadOptions
{
    /// <summary>The field delimiter. Default <c>,</c>; must not be a quote or a line break.</summary>
    public char Delimiter
    {
        get;
        init => field = value is '"' or '\r' or '\n'
            ? throw new ArgumentException("The delimiter cannot be a quote or a line break.", nameof(Delimiter))
            : value;
    } = ',';

    /// <summary>The label columns, in the order the dataset's labels take. Default none.</summary>
    public IReadOnlyList<CsvLabel> Labels
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Labels));
            if (value.Any(l => l is null || string.IsNullOrWhiteSpace(l.Column)))
                throw new ArgumentException("Label column names must not be empty.", nameof(Labels));
            var repeated = value.GroupBy(l => l.Column).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null) throw new ArgumentException($"Label column '{repeated.Key}' is listed twice.", nameof(Labels));
            if (value.FirstOrDefault(l => l.Kind == LabelKind.MultiLabel) is { } multi)
                throw new ArgumentException(
                    $"Label column '{multi.Column}' is declared MultiLabel, but one CSV column holds one value per sample; declare Class or Value.",
                    nameof(Labels));
            field = value;
        }
    } = Array.Empty<CsvLabel>();

    /// <summary>
    /// The feature columns, in the order they take in the feature matrix; null (the default) takes every column that
    /// is not a label, in header order.
    /// </summary>
    public IReadOnlyList<string>? Features
    {
        get;
        init
        {
            if (value is not null)
            {
                if (value.Count == 0) throw new ArgumentException("The feature list must not be empty; leave it null to take every non-label column.", nameof(Features));
                var repeated = value.GroupBy(f => f).FirstOrDefault(g => g.Count() > 1);
                if (repeated is not null) throw new ArgumentException($"Feature column '{repeated.Key}' is listed twice.", nameof(Features));
            }

            field = value;
        }
    }

    /// <summary>The name of the feature tensor. Default <c>features</c>.</summary>
    public string FeatureName
    {
        get;
        init => field = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("The feature name must not be empty.", nameof(FeatureName)) : value;
    } = "features";

    /// <summary>
    /// The most distinct values a text column may have to be one-hot encoded (features) or taken as class names
    /// (labels). Default 1000. A text column with more is usually an identifier or free text: leave it out via
    /// <see cref="Features"/>.
    /// </summary>
    public int MaxCategories
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxCategories), value, "At least one category must be allowed.") : value;
    } = 1000;
}
