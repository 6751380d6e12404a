using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Files;

/// <summary>
/// A dataset described by an index file: a delimited text file (CSV by default) with a header line, a <c>path</c>
/// column naming each sample's file and any number of label columns. Sample files are decoded lazily in
/// <see cref="GetBatch"/>, so the dataset may be far larger than memory; the constructor reads the index, checks that
/// every sample file exists and reads the first sample's header.
/// </summary>
/// <remarks>
/// <para>Paths are relative to the index file's folder (absolute paths are used as they are). Each sample file's
/// decoder is chosen by its extension: images (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>, <c>.bmp</c>) decode to
/// <c>float32 [B, C, H, W]</c> in [0, 1] as in <see cref="ImageFolderDataset"/>. Every sample must decode to the first
/// sample's shape.</para>
/// <para>Every column other than the path column is a label named after its header. A column holding any text is a
/// class label whose classes are its distinct values in ordinal order; a numeric column's kind is inferred with
/// <see cref="LabelKinds.Infer"/> (numbers of a class label are class indices) unless declared in
/// <see cref="FileIndexOptions.LabelKinds"/>. An empty cell (or <c>NaN</c>) is a missing label: its mask bit is false.</para>
/// <para>Lines that are empty or only white space are skipped. <see cref="GetBatch"/> is safe to call from several
/// threads at once.</para>
/// </remarks>
/// <example>
/// An index file <c>train.csv</c>:
/// <code>
/// path,species,weight
/// img/001.png,cat,4.2
/// img/002.png,dog,
/// </code>
/// <c>new FileIndexDataset("train.csv")</c> has the feature <c>image</c>, the class label <c>species</c> (classes
/// <c>cat</c>, <c>dog</c>) and the value label <c>weight</c> (missing for the second sample).
/// </example>
public sealed class FileIndexDataset : IDataset
{
    /// <summary>The largest class index a numeric class column may hold.</summary>
    public const int MaxClassIndex = 1_000_000;

    private readonly FileSamples _samples;
    private readonly LabelColumn[] _labels;
    private readonly string _featureName;

    /// <summary>Reads the index file at <paramref name="indexPath"/>.</summary>
    /// <param name="indexPath">The index file.</param>
    /// <param name="options">Column names, delimiter, image decoding and label kinds; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The index file does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// The index is malformed (no path column, a line with the wrong number of fields, no samples), names a missing
    /// file or a file of an unsupported kind, or a label cell does not fit its column's kind.
    /// </exception>
    public FileIndexDataset(string indexPath, FileIndexOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(indexPath);
        options ??= new FileIndexOptions();
        IndexPath = Path.GetFullPath(indexPath);
        if (!File.Exists(IndexPath)) throw new FileNotFoundException($"The index file '{IndexPath}' does not exist.", IndexPath);
        string folder = Path.GetDirectoryName(IndexPath)!;

        using var reader = new StreamReader(IndexPath, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        List<string>? header = null;
        int headerLine = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            header = CsvLine.Split(line, options.Delimiter, IndexPath, lineNumber);
            headerLine = lineNumber;
            break;
        }

        if (header is null)
            throw new DataFormatException(IndexPath, $"the index file is empty; expected a header line naming the '{options.PathColumn}' column and any label columns.", "line 1");
        CheckHeader(header, headerLine, options);
        int pathColumn = header.IndexOf(options.PathColumn);
        var labelColumns = Enumerable.Range(0, header.Count).Where(c => c != pathColumn).ToArray();

        var paths = new List<string>();
        var lines = new List<int>();
        var decoders = new List<ISampleDecoder>();
        var decoderByExtension = new Dictionary<string, ISampleDecoder>(StringComparer.OrdinalIgnoreCase);
        var cells = labelColumns.Select(_ => new List<string>()).ToArray();
        var images = new ImageSettings(options.Channels, options.Resize);
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = CsvLine.Split(line, options.Delimiter, IndexPath, lineNumber);
            if (fields.Count != header.Count)
                throw new DataFormatException(IndexPath,
                    $"found {fields.Count} field{(fields.Count == 1 ? "" : "s")} but the header has {header.Count} ({string.Join(options.Delimiter, header)}); every line needs one field per header column.",
                    $"line {lineNumber}");
            string relative = fields[pathColumn];
            if (relative.Length == 0)
                throw new DataFormatException(IndexPath, $"the '{options.PathColumn}' field is empty; expected the path of the sample file.", $"line {lineNumber}");
            string full;
            try
            {
                full = Path.GetFullPath(Path.Combine(folder, relative));
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new DataFormatException(IndexPath, $"'{relative}' is not a valid file path ({e.Message}).", $"line {lineNumber}", e);
            }

            if (!File.Exists(full))
                throw new DataFormatException(IndexPath, $"the sample file '{relative}' does not exist (looked for {full}).", $"line {lineNumber}");
            string extension = Path.GetExtension(full);
            if (!decoderByExtension.TryGetValue(extension, out var decoder))
            {
                decoder = SampleDecoders.For(extension, images)
                          ?? throw new DataFormatException(IndexPath,
                              $"the sample file '{relative}' has the extension '{extension}', which no sample decoder reads; supported: {string.Join(", ", SampleDecoders.SupportedExtensions)}.",
                              $"line {lineNumber}");
                decoderByExtension[extension] = decoder;
            }

            paths.Add(full);
            lines.Add(lineNumber);
            decoders.Add(decoder);
            for (int k = 0; k < labelColumns.Length; k++) cells[k].Add(fields[labelColumns[k]]);
        }

        if (paths.Count == 0)
            throw new DataFormatException(IndexPath, "the index lists no samples; expected one line per sample after the header.", $"line {headerLine + 1}");

        _featureName = options.FeatureName ?? decoders[0].DefaultFeatureName;
        if (labelColumns.Any(c => header[c] == _featureName))
            throw new DataFormatException(IndexPath,
                $"the label column '{_featureName}' has the name of the sample feature; rename the column or set FileIndexOptions.FeatureName.", $"line {headerLine}");
        var lineArray = lines.ToArray();
        _labels = labelColumns.Select((c, k) => BuildLabel(header[c], cells[k], lineArray, options)).ToArray();
        _samples = new FileSamples(paths.ToArray(), decoders.ToArray(),
            $"the first sample, {Path.GetRelativePath(folder, paths[0])} on line {lines[0]} of {Path.GetFileName(IndexPath)}");
        Schema = new DatasetSchema(
            [new FeatureInfo(_featureName, _samples.Layout.Shape.ToArray(), _samples.Layout.DType)],
            _labels.Select(l => l.Info).ToArray());
    }

    /// <summary>The full path of the index file.</summary>
    public string IndexPath { get; }

    /// <summary>The full path of every sample file, in sample (index line) order.</summary>
    public IReadOnlyList<string> Files => _samples.Paths;

    /// <inheritdoc />
    public long Count => _samples.Count;

    /// <inheritdoc />
    public DatasetSchema Schema { get; }

    /// <inheritdoc />
    /// <exception cref="DataFormatException">A sample file of the batch is corrupt or does not decode to the first sample's shape.</exception>
    public Batch GetBatch(ReadOnlySpan<long> indices)
    {
        var idx = _samples.CheckIndices(indices);
        var features = _samples.Load(idx);
        var labels = new Dictionary<string, LabelTensor>();
        try
        {
            foreach (var label in _labels) labels[label.Info.Name] = label.Gather(idx);
            return new Batch(new Dictionary<string, Tensor> { [_featureName] = features }, labels, idx);
        }
        catch
        {
            features.Dispose();
            foreach (var l in labels.Values) l.Dispose();
            throw;
        }
    }

    private void CheckHeader(List<string> header, int headerLine, FileIndexOptions options)
    {
        string at = $"line {headerLine}";
        for (int c = 0; c < header.Count; c++)
        {
            if (header[c].Length == 0)
                throw new DataFormatException(IndexPath, $"header column {c + 1} has no name; expected a name for every column.", at);
            if (header.IndexOf(header[c]) != c)
                throw new DataFormatException(IndexPath, $"the header names the column '{header[c]}' twice; column names must be unique.", at);
        }

        if (!header.Contains(options.PathColumn))
            throw new DataFormatException(IndexPath,
                $"the header ({string.Join(options.Delimiter, header)}) has no '{options.PathColumn}' column; expected a column of sample file paths.", at);
        foreach (var (name, kind) in options.LabelKinds ?? new Dictionary<string, LabelKind>())
        {
            if (name == options.PathColumn || !header.Contains(name))
                throw new ArgumentException(
                    $"FileIndexOptions.LabelKinds declares the label '{name}', but {Path.GetFileName(IndexPath)} has no such label column (its labels are: {string.Join(", ", header.Where(h => h != options.PathColumn))}).",
                    nameof(options));
            if (kind is not (LabelKind.Class or LabelKind.Value))
                throw new ArgumentException(
                    $"FileIndexOptions.LabelKinds declares '{name}' as {kind}, but an index column holds one value per sample; declare Class or Value.", nameof(options));
        }
    }

    private LabelColumn BuildLabel(string name, List<string> cells, int[] lines, FileIndexOptions options)
    {
        LabelKind? declared = options.LabelKinds is not null && options.LabelKinds.TryGetValue(name, out var k) ? k : null;
        int n = cells.Count;
        var mask = new bool[n];
        var numbers = new double[n];
        bool numeric = true, integral = true;
        int firstText = -1;
        for (int i = 0; i < n; i++)
        {
            string s = cells[i];
            if (s.Length == 0 || s.Equals("nan", StringComparison.OrdinalIgnoreCase)) continue;
            mask[i] = true;
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                if (!double.IsFinite(v))
                    throw new DataFormatException(IndexPath, $"the label '{s}' is not a finite number; expected a finite value or an empty cell for a missing label.", At(lines[i], name));
                numbers[i] = v;
                integral &= long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
            }
            else if (numeric)
            {
                numeric = false;
                firstText = i;
            }
        }

        if (!numeric)
        {
            if (declared == LabelKind.Value)
                throw new DataFormatException(IndexPath, $"the label column is declared Value but holds the text '{cells[firstText]}'; expected a number or an empty cell.", At(lines[firstText], name));
            var classes = cells.Where((s, i) => mask[i]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var lookup = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i, StringComparer.Ordinal);
            var indices = cells.Select((s, i) => mask[i] ? lookup[s] : 0L).ToArray();
            return LabelColumn.Classes(name, indices, mask, classes);
        }

        LabelKind kind;
        if (declared is { } d)
        {
            kind = d;
        }
        else
        {
            using var scope = torch.NewDisposeScope();
            var values = integral ? torch.tensor(numbers.Select(x => (long)x).ToArray(), ScalarType.Int64) : torch.tensor(numbers, ScalarType.Float64);
            kind = LabelKinds.Infer(values, torch.tensor(mask, ScalarType.Bool));
        }

        if (kind == LabelKind.Value) return LabelColumn.Values(name, numbers.Select(x => (float)x).ToArray(), mask);

        var classIndices = new long[n];
        long max = -1;
        for (int i = 0; i < n; i++)
        {
            if (!mask[i]) continue;
            double v = numbers[i];
            if (v < 0 || v != Math.Floor(v) || v > MaxClassIndex)
                throw new DataFormatException(IndexPath,
                    $"the class label '{cells[i]}' is not a class index; a numeric class column needs whole numbers from 0 to {MaxClassIndex} (or use class names as text).",
                    At(lines[i], name));
            classIndices[i] = (long)v;
            max = Math.Max(max, classIndices[i]);
        }

        var names = Enumerable.Range(0, (int)Math.Max(1, max + 1)).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return LabelColumn.Classes(name, classIndices, mask, names);
    }

    private static string At(int line, string column) => $"line {line}, column \"{column}\"";
}
