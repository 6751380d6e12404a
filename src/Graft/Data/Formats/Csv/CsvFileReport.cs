namespace Graft.Data.Formats.Csv;

/// <summary>What a CSV column holds.</summary>
public enum CsvColumnType
{
    /// <summary>Every present cell is a number (invariant culture).</summary>
    Numeric,

    /// <summary>At least one present cell is not a number: categorical for features, class names for labels.</summary>
    Text,

    /// <summary>Every cell is missing.</summary>
    Empty,
}

/// <summary>How a CSV column is used.</summary>
public enum CsvColumnRole
{
    /// <summary>Part of the feature matrix.</summary>
    Feature,

    /// <summary>A label.</summary>
    Label,

    /// <summary>Not read into the dataset.</summary>
    Unused,
}

/// <summary>Statistics of one CSV column.</summary>
/// <param name="Name">The column's name from the header.</param>
/// <param name="Index">The column's 0-based position in the header.</param>
/// <param name="Type">What the column holds.</param>
/// <param name="Role">How the column is used.</param>
/// <param name="MissingCount">
/// The number of missing cells (empty, <c>NA</c> or <c>NaN</c>, any case). Numeric feature cells are filled with the
/// column mean; categorical feature cells get an all-zero one-hot row; label cells get a false mask bit.
/// </param>
/// <param name="Categories">
/// For <see cref="CsvColumnType.Text"/> columns, the distinct values in ordinal order; null for other columns and for
/// text columns with more than <see cref="CsvReadOptions.MaxCategories"/> values.
/// </param>
public sealed record CsvColumnReport(string Name, int Index, CsvColumnType Type, CsvColumnRole Role, long MissingCount, IReadOnlyList<string>? Categories);

/// <summary>Per-column statistics of a CSV file: types, roles and missing-cell counts.</summary>
/// <param name="Path">The file.</param>
/// <param name="RowCount">The number of data rows (records after the header).</param>
/// <param name="Columns">One entry per header column, in header order.</param>
public sealed record CsvFileReport(string Path, long RowCount, IReadOnlyList<CsvColumnReport> Columns)
{
    /// <summary>Missing-cell counts by column name, in header order.</summary>
    public IReadOnlyDictionary<string, long> MissingCounts => Columns.ToDictionary(c => c.Name, c => c.MissingCount);

    /// <summary>The total number of missing cells in the file.</summary>
    public long TotalMissing => Columns.Sum(c => c.MissingCount);

    /// <summary>The column called <paramref name="name"/>.</summary>
    public CsvColumnReport Column(string name) =>
        Columns.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"{Path} has no column '{name}'. Its columns are: {string.Join(", ", Columns.Select(c => c.Name))}.");
}

/// <summary>A dataset read from a CSV file together with the file's column statistics.</summary>
public sealed class CsvReadResult : IDisposable
{
    internal CsvReadResult(TensorDataset dataset, CsvFileReport report, IReadOnlyList<string> featureColumns)
    {
        Dataset = dataset;
        Report = report;
        FeatureColumns = featureColumns;
    }

    /// <summary>The dataset.</summary>
    public TensorDataset Dataset { get; }

    /// <summary>Per-column types, roles and missing counts.</summary>
    public CsvFileReport Report { get; }

    /// <summary>The names of the feature matrix's columns (<c>col</c> for numbers, <c>col=value</c> for one-hot text).</summary>
    public IReadOnlyList<string> FeatureColumns { get; }

    /// <summary>Disposes the dataset.</summary>
    public void Dispose() => Dataset.Dispose();
}
