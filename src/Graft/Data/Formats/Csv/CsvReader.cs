using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Formats.Csv;

/// <summary>
/// Reads CSV files with a header row into datasets: the feature columns become one <c>float32 [N, F]</c> matrix
/// (numbers as they are, text one-hot encoded into <c>col=value</c> columns) and each label column becomes a label
/// with its kind and missing mask.
/// </summary>
/// <remarks>
/// <para>Quoting follows RFC 4180 (quoted fields may hold the delimiter, line breaks and doubled quotes). Cells are
/// trimmed of surrounding white space. Numbers use the invariant culture. Empty cells, <c>NA</c> and <c>NaN</c> (any
/// case) are missing: numeric feature cells are filled with the column mean (0 when the whole column is missing),
/// text feature cells get an all-zero one-hot row, label cells get a false mask bit. Gzip-compressed files are read
/// transparently.</para>
/// <para>The file is streamed twice (statistics, then values); memory holds only the statistics and the result.</para>
/// </remarks>
public static class CsvReader
{
    /// <summary>Reads <paramref name="path"/> into a dataset.</summary>
    /// <exception cref="DataFormatException">The file is malformed or does not match the options.</exception>
    public static TensorDataset Read(string path, CsvReadOptions? options = null) => ReadWithReport(path, options).Dataset;

    /// <summary>Reads <paramref name="path"/> into a dataset and reports each column's type, role and missing count.</summary>
    /// <exception cref="DataFormatException">The file is malformed or does not match the options.</exception>
    public static CsvReadResult ReadWithReport(string path, CsvReadOptions? options = null)
    {
        options ??= new CsvReadOptions();
        var scan = Scan(path, options);
        return Build(path, options, scan);
    }

    /// <summary>
    /// Reads only the statistics of <paramref name="path"/>: row count and, per column, its type, role (from
    /// <paramref name="options"/>), missing-cell count and text categories. Checks the file's structure like
    /// <see cref="Read"/>.
    /// </summary>
    /// <exception cref="DataFormatException">The file is malformed or does not match the options.</exception>
    public static CsvFileReport Inspect(string path, CsvReadOptions? options = null) => Scan(path, options ?? new CsvReadOptions()).Report;

    internal static bool IsMissing(ReadOnlySpan<char> cell)
    {
        cell = cell.Trim();
        return cell.Length == 0
            || cell.Equals("NA", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("NaN", StringComparison.OrdinalIgnoreCase);
    }

    internal static bool TryParseNumber(ReadOnlySpan<char> cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    internal static bool IsWhole(double value) => Math.Abs(value) <= 9007199254740992d && value == Math.Floor(value);

    private sealed class ColumnStats
    {
        public long Missing;
        public long Numbers;
        public double Sum;
        public long FirstTextLine = -1;
        public string? FirstText;
        public long FirstFractionLine = -1;
        public string? FirstFraction;
        public long FirstNegativeLine = -1;
        public string? FirstNegative;
        public HashSet<string>? Distinct = new(StringComparer.Ordinal);

        public CsvColumnType Type(long rows) => FirstTextLine >= 0 ? CsvColumnType.Text : Missing == rows ? CsvColumnType.Empty : CsvColumnType.Numeric;

        public double Mean => Numbers == 0 ? 0 : Sum / Numbers;

        public string[]? SortedCategories() => Distinct?.OrderBy(s => s, StringComparer.Ordinal).ToArray();
    }

    private sealed record ScanResult(
        string[] Header, ColumnStats[] Stats, long Rows, int[] FeatureColumns, (int Column, CsvLabel Label)[] LabelColumns, CsvFileReport Report);

    private static ScanResult Scan(string path, CsvReadOptions options)
    {
        using var tokenizer = CsvTokenizer.Open(path, options.Delimiter);
        var fields = new List<string>();
        if (!tokenizer.ReadRecord(fields, out long headerLine))
            throw new DataFormatException(path, "the file is empty; expected a header row naming the columns", "line 1");
        var header = ReadHeader(path, fields, headerLine);
        tokenizer.ColumnNames = header;
        var (features, labels) = ResolveColumns(path, header, options, headerLine);
        bool[] used = new bool[header.Length];
        foreach (var f in features) used[f] = true;
        foreach (var (c, _) in labels) used[c] = true;

        var stats = header.Select(_ => new ColumnStats()).ToArray();
        long rows = 0;
        while (tokenizer.ReadRecord(fields, out long line))
        {
            CheckFieldCount(path, header, fields, line);
            rows++;
            for (int c = 0; c < header.Length; c++)
            {
                var s = stats[c];
                string cell = fields[c].Trim();
                if (IsMissing(cell))
                {
                    s.Missing++;
                    continue;
                }

                if (s.Distinct is { } distinct && distinct.Add(cell) && distinct.Count > options.MaxCategories) s.Distinct = null;
                if (TryParseNumber(cell, out double v))
                {
                    s.Numbers++;
                    s.Sum += v;
                    if (s.FirstFractionLine < 0 && !IsWhole(v)) (s.FirstFractionLine, s.FirstFraction) = (line, cell);
                    if (s.FirstNegativeLine < 0 && v < 0) (s.FirstNegativeLine, s.FirstNegative) = (line, cell);
                }
                else if (s.FirstTextLine < 0)
                {
                    (s.FirstTextLine, s.FirstText) = (line, cell);
                }
            }
        }

        if (rows == 0)
            throw new DataFormatException(path, "the file has a header row but no data rows", string.Create(CultureInfo.InvariantCulture, $"line {headerLine + 1}"));

        var roles = new CsvColumnRole[header.Length];
        foreach (var f in features) roles[f] = CsvColumnRole.Feature;
        foreach (var (c, _) in labels) roles[c] = CsvColumnRole.Label;
        var report = new CsvFileReport(path, rows, header.Select((name, c) =>
        {
            var type = stats[c].Type(rows);
            return new CsvColumnReport(name, c, type, used[c] ? roles[c] : CsvColumnRole.Unused, stats[c].Missing,
                type == CsvColumnType.Text ? stats[c].SortedCategories() : null);
        }).ToArray());
        return new ScanResult(header, stats, rows, features, labels, report);
    }

    private static string[] ReadHeader(string path, List<string> fields, long line)
    {
        var header = new string[fields.Count];
        for (int c = 0; c < fields.Count; c++)
        {
            string name = fields[c].Trim();
            header[c] = name.Length == 0 ? string.Create(CultureInfo.InvariantCulture, $"column{c + 1}") : name;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < header.Length; c++)
        {
            if (seen.TryGetValue(header[c], out int first))
                throw new DataFormatException(path,
                    $"column {c + 1} repeats the name '{header[c]}' of column {first + 1}; header names must be unique",
                    string.Create(CultureInfo.InvariantCulture, $"line {line}, column \"{header[c]}\""));
            seen[header[c]] = c;
        }

        return header;
    }

    private static (int[] Features, (int, CsvLabel)[] Labels) ResolveColumns(string path, string[] header, CsvReadOptions options, long headerLine)
    {
        string location = string.Create(CultureInfo.InvariantCulture, $"line {headerLine}");
        int Find(string name, string what)
        {
            int index = Array.IndexOf(header, name);
            if (index < 0)
                throw new DataFormatException(path,
                    $"{what} column '{name}' is not in the header; the header's columns are: {string.Join(", ", header)}", location);
            return index;
        }

        var labels = options.Labels.Select(l => (Find(l.Column, "label"), l)).ToArray();
        var labelSet = labels.Select(l => l.Item1).ToHashSet();
        int[] features;
        if (options.Features is { } explicitFeatures)
        {
            features = explicitFeatures.Select(f => Find(f, "feature")).ToArray();
            var both = features.FirstOrDefault(labelSet.Contains, -1);
            if (both >= 0) throw new ArgumentException($"Column '{header[both]}' is listed both as a label and as a feature.", nameof(options));
        }
        else
        {
            features = Enumerable.Range(0, header.Length).Where(c => !labelSet.Contains(c)).ToArray();
            if (features.Length == 0)
                throw new DataFormatException(path,
                    $"every column is a label ({string.Join(", ", header)}); no feature columns remain", location);
        }

        return (features, labels);
    }

    private static void CheckFieldCount(string path, string[] header, List<string> fields, long line)
    {
        if (fields.Count != header.Length)
            throw new DataFormatException(path,
                $"expected {header.Length} fields as in the header, found {fields.Count}",
                string.Create(CultureInfo.InvariantCulture, $"line {line}"));
    }

    private static DataFormatException ColumnError(string path, long line, string column, string message) =>
        new(path, message, string.Create(CultureInfo.InvariantCulture, $"line {line}, column \"{column}\""));

    private static CsvReadResult Build(string path, CsvReadOptions options, ScanResult scan)
    {
        var (header, stats, rows) = (scan.Header, scan.Stats, scan.Rows);

        // Feature layout: one column per number column, one per category of a text column.
        var columnNames = new List<string>();
        var offsets = new int[scan.FeatureColumns.Length];
        var categoryIndex = new Dictionary<string, int>?[scan.FeatureColumns.Length];
        for (int i = 0; i < scan.FeatureColumns.Length; i++)
        {
            int c = scan.FeatureColumns[i];
            offsets[i] = columnNames.Count;
            var s = stats[c];
            if (s.Type(rows) == CsvColumnType.Text)
            {
                var categories = s.SortedCategories()
                    ?? throw ColumnError(path, s.FirstTextLine, header[c],
                        $"feature column '{header[c]}' holds text (first '{s.FirstText}') with more than {options.MaxCategories} distinct values, " +
                        "too many to one-hot encode; leave it out of CsvReadOptions.Features or raise CsvReadOptions.MaxCategories");
                categoryIndex[i] = categories.Select((v, k) => (v, k)).ToDictionary(p => p.v, p => p.k, StringComparer.Ordinal);
                columnNames.AddRange(categories.Select(v => $"{header[c]}={v}"));
            }
            else
            {
                columnNames.Add(header[c]);
            }
        }

        int width = columnNames.Count;
        if ((double)rows * width > Array.MaxLength)
            throw new DataFormatException(path, $"the feature matrix would have {rows} x {width} elements, more than one tensor built from a CSV file may hold");

        // Label plans, checked against the declared kinds before any value is read.
        var labelPlans = scan.LabelColumns.Select(l => PlanLabel(path, header, stats, rows, l.Column, l.Label, options)).ToArray();

        var x = new float[rows * width];
        var means = stats.Select(s => (float)s.Mean).ToArray();
        var labelValues = labelPlans.Select(p => new double[rows]).ToArray();
        var labelMasks = labelPlans.Select(p => new bool[rows]).ToArray();

        using (var tokenizer = CsvTokenizer.Open(path, options.Delimiter))
        {
            tokenizer.ColumnNames = header;
            var fields = new List<string>();
            tokenizer.ReadRecord(fields, out _);
            long r = 0;
            while (tokenizer.ReadRecord(fields, out long line))
            {
                CheckFieldCount(path, header, fields, line);
                if (r >= rows) throw new DataFormatException(path, $"the file changed while it was read: it now has more than {rows} data rows", $"line {line}");
                long rowStart = r * width;
                for (int i = 0; i < scan.FeatureColumns.Length; i++)
                {
                    int c = scan.FeatureColumns[i];
                    string cell = fields[c].Trim();
                    bool missing = IsMissing(cell);
                    if (categoryIndex[i] is { } index)
                    {
                        if (missing) continue;
                        if (!index.TryGetValue(cell, out int k))
                            throw new DataFormatException(path, $"the file changed while it was read: value '{cell}' was not there before", $"line {line}");
                        x[rowStart + offsets[i] + k] = 1f;
                    }
                    else
                    {
                        x[rowStart + offsets[i]] = missing ? means[c] : TryParseNumber(cell, out double v) ? (float)v
                            : throw new DataFormatException(path, $"the file changed while it was read: '{cell}' is not a number", $"line {line}");
                    }
                }

                for (int j = 0; j < labelPlans.Length; j++)
                {
                    var plan = labelPlans[j];
                    string cell = fields[plan.Column].Trim();
                    if (IsMissing(cell)) continue;
                    labelMasks[j][r] = true;
                    labelValues[j][r] = plan.ClassIndex is { } classes
                        ? classes.TryGetValue(cell, out int k) ? k : throw new DataFormatException(path, $"the file changed while it was read: value '{cell}' was not there before", $"line {line}")
                        : TryParseNumber(cell, out double v) ? v
                        : throw new DataFormatException(path, $"the file changed while it was read: '{cell}' is not a number", $"line {line}");
                }

                r++;
            }

            if (r != rows) throw new DataFormatException(path, $"the file changed while it was read: it had {rows} data rows and now has {r}");
        }

        using var scope = NewDisposeScope();
        var dataset = new TensorDataset().WithFeature(options.FeatureName, torch.tensor(x, new[] { rows, (long)width }), columnNames);
        for (int j = 0; j < labelPlans.Length; j++)
        {
            var plan = labelPlans[j];
            var mask = torch.tensor(labelMasks[j]);
            Tensor values = plan.Integral
                ? torch.tensor(labelValues[j].Select(v => (long)v).ToArray())
                : torch.tensor(labelValues[j].Select(v => (float)v).ToArray());
            var kind = plan.Kind ?? LabelKinds.Infer(values, mask);
            dataset = dataset.WithLabel(plan.Name, values, kind, mask, plan.Classes);
        }

        return new CsvReadResult(dataset, scan.Report, columnNames);
    }

    private sealed record LabelPlan(string Name, int Column, LabelKind? Kind, bool Integral, IReadOnlyList<string>? Classes, Dictionary<string, int>? ClassIndex);

    private static LabelPlan PlanLabel(string path, string[] header, ColumnStats[] stats, long rows, int column, CsvLabel label, CsvReadOptions options)
    {
        var s = stats[column];
        string name = header[column];
        switch (s.Type(rows))
        {
            case CsvColumnType.Text:
                if (label.Kind == LabelKind.Value)
                    throw ColumnError(path, s.FirstTextLine, name,
                        $"label column '{name}' is declared Value but holds the text '{s.FirstText}'; value labels must be numbers");
                var classes = s.SortedCategories()
                    ?? throw ColumnError(path, s.FirstTextLine, name,
                        $"label column '{name}' holds text (first '{s.FirstText}') with more than {options.MaxCategories} distinct values; " +
                        "raise CsvReadOptions.MaxCategories if these really are class names");
                return new LabelPlan(name, column, LabelKind.Class, true, classes,
                    classes.Select((v, k) => (v, k)).ToDictionary(p => p.v, p => p.k, StringComparer.Ordinal));
            case CsvColumnType.Empty:
                return new LabelPlan(name, column, label.Kind ?? LabelKind.Value, label.Kind == LabelKind.Class, null, null);
            default:
                if (label.Kind == LabelKind.Class)
                {
                    if (s.FirstFractionLine >= 0)
                        throw ColumnError(path, s.FirstFractionLine, name,
                            $"label column '{name}' is declared Class but holds the non-integer number {s.FirstFraction}; class labels must be whole numbers or text");
                    if (s.FirstNegativeLine >= 0)
                        throw ColumnError(path, s.FirstNegativeLine, name,
                            $"label column '{name}' is declared Class but holds the negative number {s.FirstNegative}; class indices start at 0");
                }

                return new LabelPlan(name, column, label.Kind, s.FirstFractionLine < 0, null, null);
        }
    }
}
