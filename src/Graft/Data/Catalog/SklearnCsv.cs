using System.Globalization;
using Graft.Data.Formats.Csv;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Catalog;

/// <summary>
/// Reads the small CSV datasets that scikit-learn ships (Debian package <c>python3-sklearn</c>, in
/// <see cref="DefaultDirectory"/>): iris, wine, breast cancer and the like.
/// </summary>
/// <remarks>
/// These files have no ordinary header. Their first line is <c>n_samples,n_features[,class names...]</c>; an optional
/// second line of column names may follow (the Boston file has one); every data row holds <c>n_features</c> numbers
/// and then the target. The dataset gets feature <c>features</c> (<c>float32 [N, n_features]</c>, named columns) and
/// label <c>target</c>: a class label with the first line's class names when it has them, otherwise a label of the
/// inferred kind.
/// </remarks>
public static class SklearnCsv
{
    /// <summary>Where Debian's <c>python3-sklearn</c> installs the data files.</summary>
    public const string DefaultDirectory = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

    /// <summary>The name of the feature tensor.</summary>
    public const string FeatureName = "features";

    /// <summary>The name of the label.</summary>
    public const string LabelName = "target";

    private static readonly string[] IrisFeatures = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"];

    private static readonly string[] WineFeatures =
    [
        "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
        "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315_of_diluted_wines", "proline",
    ];

    private static readonly string[] BreastCancerFeatures =
        new[] { "mean", "error", "worst" }.SelectMany(group => new[]
        {
            "radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave_points",
            "symmetry", "fractal_dimension",
        }.Select(measure => $"{group}_{measure}")).ToArray();

    /// <summary>Loads iris (150 samples, 4 features, 3 classes) from <paramref name="directory"/> or <see cref="DefaultDirectory"/>.</summary>
    public static TensorDataset LoadIris(string? directory = null) => Load(Locate("iris.csv", directory));

    /// <summary>Loads wine (178 samples, 13 features, 3 classes) from <paramref name="directory"/> or <see cref="DefaultDirectory"/>.</summary>
    public static TensorDataset LoadWine(string? directory = null) => Load(Locate("wine_data.csv", directory));

    /// <summary>Loads breast cancer (569 samples, 30 features, 2 classes) from <paramref name="directory"/> or <see cref="DefaultDirectory"/>.</summary>
    public static TensorDataset LoadBreastCancer(string? directory = null) => Load(Locate("breast_cancer.csv", directory));

    /// <summary>
    /// Reads a file in scikit-learn's layout. Feature columns are named after the dataset where known (iris, wine,
    /// breast cancer), after the file's second line when it names the columns, and <c>feature_0</c>, ... otherwise.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not in scikit-learn's layout or is inconsistent.</exception>
    public static TensorDataset Load(string path)
    {
        using var tokenizer = CsvTokenizer.Open(path, ',');
        var fields = new List<string>();
        if (!tokenizer.ReadRecord(fields, out long firstLine))
            throw new DataFormatException(path, "the file is empty; expected a first line 'n_samples,n_features[,class names...]'", "line 1");
        if (fields.Count < 2 || !int.TryParse(fields[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int samples)
            || !int.TryParse(fields[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int featureCount) || featureCount < 1)
            throw new DataFormatException(path,
                $"expected scikit-learn's first line 'n_samples,n_features[,class names...]', found '{string.Join(",", fields)}'",
                Line(firstLine));
        var classes = fields.Skip(2).Select(f => f.Trim()).Where(f => f.Length > 0).ToArray();
        int width = featureCount + 1;

        string[]? names = null;
        var features = new List<float>();
        var targets = new List<double>();
        long lastLine = firstLine;
        while (tokenizer.ReadRecord(fields, out long line))
        {
            lastLine = line;
            if (fields.Count != width)
                throw new DataFormatException(path,
                    $"expected {width} fields ({featureCount} features and the target, as the first line declares), found {fields.Count}", Line(line));
            if (targets.Count == 0 && names is null && !CsvReader.TryParseNumber(fields[0].Trim(), out _))
            {
                names = fields.Select(f => f.Trim()).ToArray();
                continue;
            }

            for (int c = 0; c < width; c++)
            {
                string cell = fields[c].Trim();
                if (!CsvReader.TryParseNumber(cell, out double v))
                    throw new DataFormatException(path,
                        $"expected a number, found '{cell}'",
                        string.Create(CultureInfo.InvariantCulture, $"line {line}, column {c + 1}"));
                if (c < featureCount) features.Add((float)v);
                else targets.Add(v);
            }

            if (classes.Length > 0)
            {
                double t = targets[^1];
                if (!CsvReader.IsWhole(t) || t < 0 || t >= classes.Length)
                    throw new DataFormatException(path,
                        $"the target {fields[^1].Trim()} is not a class index of the first line's {classes.Length} classes ({string.Join(", ", classes)}); expected 0 to {classes.Length - 1}",
                        string.Create(CultureInfo.InvariantCulture, $"line {line}, column {width}"));
            }
        }

        if (targets.Count != samples)
            throw new DataFormatException(path,
                $"the first line declares {samples} samples but the file has {targets.Count}", Line(lastLine));

        var columnNames = KnownFeatureNames(path, featureCount)
            ?? names?.Take(featureCount).ToArray()
            ?? Enumerable.Range(0, featureCount).Select(i => string.Create(CultureInfo.InvariantCulture, $"feature_{i}")).ToArray();

        using var scope = NewDisposeScope();
        var x = torch.tensor(features.ToArray(), new long[] { samples, featureCount });
        var dataset = new TensorDataset().WithFeature(FeatureName, x, columnNames);
        bool whole = targets.All(CsvReader.IsWhole);
        Tensor y = whole ? torch.tensor(targets.Select(t => (long)t).ToArray()) : torch.tensor(targets.Select(t => (float)t).ToArray());
        return classes.Length > 0
            ? dataset.WithLabel(LabelName, y, LabelKind.Class, classes: classes)
            : dataset.WithLabel(LabelName, y);
    }

    private static string[]? KnownFeatureNames(string path, int featureCount)
    {
        string name = Path.GetFileName(path);
        string[]? known = name switch
        {
            "iris.csv" => IrisFeatures,
            "wine_data.csv" => WineFeatures,
            "breast_cancer.csv" => BreastCancerFeatures,
            _ => null,
        };
        return known is not null && known.Length == featureCount ? known : null;
    }

    private static string Locate(string fileName, string? directory)
    {
        string path = Path.Combine(directory ?? DefaultDirectory, fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path} does not exist. scikit-learn's data files come with the Debian package python3-sklearn (`sudo apt-get install python3-sklearn`); or pass the directory holding {fileName}.",
                path);
        return path;
    }

    private static string Line(long line) => string.Create(CultureInfo.InvariantCulture, $"line {line}");
}
