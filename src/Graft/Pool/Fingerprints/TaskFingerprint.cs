using System.Globalization;
using System.Security.Cryptography;
using Graft.Data;
using static TorchSharp.torch;

namespace Graft.Pool.Fingerprints;

/// <summary>
/// What a model was trained to do, in a form a pool can index and compare: the shape of one input, the kind of label,
/// the number of classes, and statistics of the data (input mean and spread, class frequencies or target mean and
/// spread). Two tasks with equal <see cref="Key"/> take the same inputs and predict the same kind of thing.
/// </summary>
/// <param name="InputShape">One sample's shape, without the batch dimension.</param>
/// <param name="LabelKind">The label's kind: class indices or values.</param>
/// <param name="Classes">The number of classes (class labels), or the number of target columns (values).</param>
/// <param name="InputMean">The mean of every input element.</param>
/// <param name="InputStd">The standard deviation of every input element.</param>
/// <param name="ClassFrequencies">The fraction of samples per class (class labels; empty for values).</param>
/// <param name="TargetMean">The mean of the targets (values; 0 for classes).</param>
/// <param name="TargetStd">The standard deviation of the targets (values; 0 for classes).</param>
/// <param name="Samples">The number of samples it was computed on.</param>
public sealed record TaskFingerprint(
    long[] InputShape,
    LabelKind LabelKind,
    int Classes,
    double InputMean,
    double InputStd,
    double[] ClassFrequencies,
    double TargetMean,
    double TargetStd,
    long Samples)
{
    /// <summary>The index key: input shape, label kind and class count, e.g. <c>1x28x28|class|10</c>.</summary>
    public string Key => $"{Shape(InputShape)}|{(LabelKind == LabelKind.Class ? "class" : "value")}|{Classes}";

    /// <summary>The input shape as text, e.g. <c>1x28x28</c>.</summary>
    public static string Shape(IEnumerable<long> shape) => string.Join("x", shape);

    /// <summary>
    /// The fingerprint of inputs <paramref name="x"/> (samples along the first dimension) and labels
    /// <paramref name="y"/>: integer labels are classes, floating-point labels are values.
    /// </summary>
    /// <exception cref="ArgumentException">The sample counts differ, or there are no samples.</exception>
    public static TaskFingerprint Of(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.dim() < 1 || x.shape[0] == 0) throw new ArgumentException($"x must hold at least one sample along its first dimension; its shape is [{string.Join(", ", x.shape)}].", nameof(x));
        if (y.dim() < 1 || y.shape[0] != x.shape[0])
            throw new ArgumentException($"x and y must hold the same number of samples: x has shape [{string.Join(", ", x.shape)}], y [{string.Join(", ", y.shape)}].", nameof(y));
        using var scope = NewDisposeScope();
        var xf = x.to_type(ScalarType.Float64);
        double mean = xf.mean().item<double>();
        double std = x.shape[0] * (x.numel() / x.shape[0]) > 1 ? xf.std().item<double>() : 0;
        var shape = x.shape.Skip(1).ToArray();
        if (IsClassLabel(y))
        {
            var labels = y.to_type(ScalarType.Int64).flatten();
            long min = labels.min().item<long>();
            if (min < 0) throw new ArgumentException($"class labels must not be negative; y holds {min}.", nameof(y));
            int classes = (int)labels.max().item<long>() + 1;
            var counts = bincount(labels, minlength: classes).to_type(ScalarType.Float64) / labels.shape[0];
            return new TaskFingerprint(shape, LabelKind.Class, classes, mean, std, counts.data<double>().ToArray(), 0, 0, x.shape[0]);
        }

        var yf = y.to_type(ScalarType.Float64);
        int columns = y.dim() == 1 ? 1 : (int)(y.numel() / y.shape[0]);
        return new TaskFingerprint(shape, LabelKind.Value, columns, mean, std, [], yf.mean().item<double>(), y.numel() > 1 ? yf.std().item<double>() : 0, x.shape[0]);
    }

    /// <summary>Whether <paramref name="y"/> holds class indices (an integer tensor of one value per sample).</summary>
    public static bool IsClassLabel(Tensor y) =>
        y.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte && (y.dim() == 1 || y.numel() == y.shape[0]);

    /// <summary>
    /// How alike two tasks are, from 0 to 1: 0 when the inputs differ in shape, else a blend of the input statistics'
    /// closeness, the label kind, and the overlap of class frequencies.
    /// </summary>
    public double Similarity(TaskFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!InputShape.SequenceEqual(other.InputShape)) return 0;
        double input = 1 / (1 + Math.Abs(InputMean - other.InputMean) + Math.Abs(InputStd - other.InputStd));
        double label;
        if (LabelKind != other.LabelKind) label = 0;
        else if (LabelKind == LabelKind.Class)
            label = Enumerable.Range(0, Math.Max(ClassFrequencies.Length, other.ClassFrequencies.Length))
                .Sum(i => Math.Min(i < ClassFrequencies.Length ? ClassFrequencies[i] : 0, i < other.ClassFrequencies.Length ? other.ClassFrequencies[i] : 0));
        else label = Classes == other.Classes ? 1 / (1 + Math.Abs(TargetMean - other.TargetMean)) : 0.5;
        return 0.5 * input + 0.5 * label;
    }

    /// <summary>A SHA-256 of the content of <paramref name="x"/> and <paramref name="y"/> (shapes, types and bytes), naming a dataset.</summary>
    public static string ContentHash(Tensor x, Tensor y)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in new[] { x, y })
        {
            using var c = t.contiguous().cpu();
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{c.dtype}[{string.Join(",", c.shape)}]"));
            hash.AppendData(c.bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A one-line description, e.g. <c>1x28x28 → class (10), 60000 samples</c>.</summary>
    public override string ToString() =>
        $"{Shape(InputShape)} -> {(LabelKind == LabelKind.Class ? $"{Classes} classes" : $"{Classes} value(s)")}, {Samples.ToString(CultureInfo.InvariantCulture)} samples";
}
