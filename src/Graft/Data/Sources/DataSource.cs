using Graft.Data.Catalog;
using Graft.Data.Files;
using Graft.Data.Formats.Csv;
using Graft.Data.Formats.Idx;
using Graft.Data.Formats.NumPy;
using Graft.Data.Formats.Safetensors;
using Graft.Data.Formats.TensorFiles;

namespace Graft.Data.Sources;

/// <summary>Options for <see cref="DataSource.Open"/>.</summary>
/// <param name="Labels">Label names with their declared kind (null: inferred). Empty: each format's default.</param>
/// <param name="Limit">Use only the first N samples (0: all). Applies to in-memory sources.</param>
/// <param name="Features">
/// The features to keep: CSV columns (which then make up the feature matrix) or, for other in-memory sources, tensor
/// names. Null keeps every non-label column or tensor.
/// </param>
public sealed record DataSourceOptions(IReadOnlyDictionary<string, LabelKind?>? Labels = null, int Limit = 0, IReadOnlyList<string>? Features = null);

/// <summary>
/// Opens any data source Graft knows by one name, the way run files and the CLI name data:
/// <list type="bullet">
/// <item><c>fashion-mnist</c>, <c>fashion-mnist:train</c>, <c>fashion-mnist:test</c> — the Fashion-MNIST dataset;</item>
/// <item><c>iris</c>, <c>wine</c>, <c>breast-cancer</c> — the small tabular datasets of Debian's python3-sklearn;</item>
/// <item>a CSV file (header row; numeric and categorical columns), <c>.npy</c>, <c>.npz</c>, <c>.safetensors</c>;</item>
/// <item>an IDX file (raw or gz); an images file is paired with its labels file when one lies beside it;</item>
/// <item>a folder with one sub-folder of images per class, or an index CSV (<c>index.csv</c>) mapping samples to files.</item>
/// </list>
/// </summary>
/// <example><code>using var data = (TensorDataset)DataSource.Open("fashion-mnist:test");</code></example>
public static class DataSource
{
    /// <summary>The names of built-in datasets.</summary>
    public static IReadOnlyList<string> KnownDatasets { get; } = new[] { "fashion-mnist", "fashion-mnist:train", "fashion-mnist:test", "iris", "wine", "breast-cancer" };

    /// <summary>Opens <paramref name="source"/>; see the class summary for what it may name.</summary>
    /// <exception cref="DataFormatException">The file is malformed.</exception>
    /// <exception cref="FileNotFoundException">Nothing is found under that name.</exception>
    public static IDataset Open(string source, DataSourceOptions? options = null)
    {
        options ??= new DataSourceOptions();
        var data = OpenAll(source, options);
        bool csv = source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || source.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase) || source.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase);
        if (options.Features is not { Count: > 0 } keep || csv) return data;
        foreach (var name in keep)
            if (data.Schema.Features.All(f => f.Name != name))
            {
                (data as IDisposable)?.Dispose();
                throw new DataFormatException(source, $"it has no feature '{name}'. Its features: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
            }

        if (data is not TensorDataset tensors) return data;
        var selected = new TensorDataset();
        foreach (var f in tensors.Schema.Features.Where(f => keep.Contains(f.Name)))
            selected = selected.WithFeature(f.Name, tensors.Feature(f.Name).clone(), f.ColumnNames);
        foreach (var l in tensors.Schema.Labels)
            selected = selected.WithLabel(l.Name, tensors.Label(l.Name).Values.clone(), l.Kind, tensors.Label(l.Name).Mask.clone(), l.Classes);
        tensors.Dispose();
        return selected;
    }

    private static IDataset OpenAll(string source, DataSourceOptions options)
    {
        long? limit = options.Limit > 0 ? options.Limit : null;
        var lower = source.ToLowerInvariant();
        switch (lower)
        {
            case "fashion-mnist" or "fashion-mnist:train":
                return FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = limit });
            case "fashion-mnist:test":
                return FashionMnist.Load(FashionMnistSplit.Test, new FashionMnistOptions { Limit = limit });
            case "iris":
                return Limit(SklearnCsv.LoadIris(), options.Limit);
            case "wine":
                return Limit(SklearnCsv.LoadWine(), options.Limit);
            case "breast-cancer" or "breast_cancer":
                return Limit(SklearnCsv.LoadBreastCancer(), options.Limit);
        }

        if (Directory.Exists(source))
        {
            var index = Path.Combine(source, "index.csv");
            return File.Exists(index) ? new FileIndexDataset(index) : new ImageFolderDataset(source);
        }

        if (!File.Exists(source))
            throw new FileNotFoundException(
                $"No data source '{source}': it is neither a file, nor a folder, nor a built-in dataset ({string.Join(", ", KnownDatasets)}).", source);

        var tensorOptions = new TensorFileOptions { Labels = options.Labels is { Count: > 0 } l ? l : null };
        var name = Path.GetFileName(lower);
        if (name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".csv.gz", StringComparison.Ordinal) || name.EndsWith(".tsv", StringComparison.Ordinal))
        {
            char delimiter = name.EndsWith(".tsv", StringComparison.Ordinal) ? '\t' : ',';
            if (IsSklearnLayout(source)) return Limit(SklearnCsv.Load(source), options.Limit);
            var declared = options.Labels is { Count: > 0 } ? options.Labels : DefaultCsvLabels(source, delimiter);
            var csv = new CsvReadOptions
            {
                Delimiter = delimiter,
                Labels = declared.Select(kv => new CsvLabel(kv.Key, kv.Value)).ToArray(),
                Features = options.Features is { Count: > 0 } f ? f : null,
            };
            return Limit(CsvReader.Read(source, csv), options.Limit);
        }

        if (name.EndsWith(".npz", StringComparison.Ordinal)) return Limit(NpzReader.ReadDataset(source, tensorOptions), options.Limit);
        if (name.EndsWith(".npy", StringComparison.Ordinal)) return Limit(NpyReader.ReadDataset(source, tensorOptions), options.Limit);
        if (name.EndsWith(".safetensors", StringComparison.Ordinal)) return Limit(SafetensorsReader.ReadDataset(source, tensorOptions), options.Limit);
        if (LooksLikeIdx(source)) return OpenIdx(source, limit);
        throw new DataFormatException(source, "unknown data format: expected a .csv, .npy, .npz, .safetensors or IDX file (e.g. train-images-idx3-ubyte.gz), or a folder.");
    }

    // scikit-learn's bundled CSV files start with "n_samples,n_features,class names..." instead of a header.
    internal static bool IsSklearnLayout(string path)
    {
        using var reader = new StreamReader(Graft.Data.Formats.Idx.GzipDetection.Open(path, out _, out _));
        var first = (reader.ReadLine() ?? "").Split(',');
        return first.Length >= 2 && first.Take(2).All(f => int.TryParse(f.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
    }

    // Without declared labels, a CSV column named like a label (y, label, labels, target, targets) is the label.
    private static IReadOnlyDictionary<string, LabelKind?> DefaultCsvLabels(string path, char delimiter)
    {
        using var reader = new StreamReader(Graft.Data.Formats.Idx.GzipDetection.Open(path, out _, out _));
        var header = reader.ReadLine() ?? "";
        var names = header.Split(delimiter).Select(n => n.Trim().Trim('"')).ToList();
        var label = names.FirstOrDefault(n => TensorFileOptions.DefaultLabelNames.Contains(n.ToLowerInvariant()));
        return label is null ? new Dictionary<string, LabelKind?>() : new Dictionary<string, LabelKind?> { [label] = null };
    }

    private static IDataset OpenIdx(string path, long? limit)
    {
        var file = Path.GetFileName(path);
        var labels = file.Contains("images", StringComparison.OrdinalIgnoreCase)
            ? Path.Combine(Path.GetDirectoryName(path) ?? ".", file.Replace("images", "labels", StringComparison.OrdinalIgnoreCase).Replace("idx3", "idx1", StringComparison.OrdinalIgnoreCase))
            : null;
        if (labels is not null && File.Exists(labels))
            return IdxReader.ReadDataset(path, labels, new IdxDatasetOptions { Limit = limit });
        var tensor = IdxReader.Read(path, limit);
        return new TensorDataset().WithFeature(file.Contains("labels", StringComparison.OrdinalIgnoreCase) ? "label" : "x", tensor);
    }

    private static bool LooksLikeIdx(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.Contains("idx", StringComparison.Ordinal) || name.Contains("-ubyte", StringComparison.Ordinal)) return true;
        Span<byte> head = stackalloc byte[4];
        using var f = File.OpenRead(path);
        if (f.Read(head) < 4) return false;
        if (head[0] == 0x1F && head[1] == 0x8B) return true; // gzip: only IDX is read compressed here
        return head[0] == 0 && head[1] == 0 && head[2] is 0x08 or 0x09 or 0x0B or 0x0C or 0x0D or 0x0E && head[3] is > 0 and <= 8;
    }

    private static TensorDataset Limit(TensorDataset data, int limit)
    {
        if (limit <= 0 || limit >= data.Count) return data;
        var indices = Enumerable.Range(0, limit).Select(i => (long)i).ToArray();
        var small = data.Select(indices);
        data.Dispose();
        return small;
    }
}
