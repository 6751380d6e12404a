using static TorchSharp.torch;

namespace Graft.Data.Inspection;

/// <summary>One tensor of a dataset as <c>graft data inspect</c> shows it.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Role"><c>feature</c> or <c>label</c>.</param>
/// <param name="Shape">The full shape, sample dimension first.</param>
/// <param name="DType">The element type, e.g. <c>float32</c>.</param>
/// <param name="Kind">For labels, the label kind; null for features.</param>
/// <param name="Missing">For labels, the number of samples without the label; for in-memory features, the number of NaN elements.</param>
/// <param name="Min">The smallest present value (in-memory tensors only).</param>
/// <param name="Max">The largest present value (in-memory tensors only).</param>
/// <param name="Mean">The mean of present values (in-memory tensors only).</param>
public sealed record TensorSummary(string Name, string Role, long[] Shape, string DType, LabelKind? Kind, long? Missing, double? Min, double? Max, double? Mean);

/// <summary>How often each class occurs in a class or multi-label label.</summary>
/// <param name="Label">The label's name.</param>
/// <param name="Counts">Class name and number of samples carrying it, in class-index order.</param>
/// <param name="Missing">The number of samples whose label is missing.</param>
public sealed record ClassBalance(string Label, IReadOnlyList<(string Class, long Count)> Counts, long Missing);

/// <summary>Shapes, dtypes, label kinds, missing counts and class balance of a dataset.</summary>
/// <param name="Samples">The number of samples.</param>
/// <param name="Tensors">One row per feature and label.</param>
/// <param name="Balances">One entry per class or multi-label label.</param>
public sealed record DatasetSummary(long Samples, IReadOnlyList<TensorSummary> Tensors, IReadOnlyList<ClassBalance> Balances)
{
    /// <summary>Summarises <paramref name="dataset"/>. In-memory datasets are read whole; lazy datasets are described from their schema and labels.</summary>
    public static DatasetSummary Of(IDataset dataset)
    {
        using var scope = NewDisposeScope();
        var rows = new List<TensorSummary>();
        var balances = new List<ClassBalance>();
        var inMemory = dataset as TensorDataset;
        foreach (var f in dataset.Schema.Features)
        {
            var shape = new[] { dataset.Count }.Concat(f.SampleShape).ToArray();
            if (inMemory is null)
            {
                rows.Add(new TensorSummary(f.Name, "feature", shape, Name(f.DType), null, null, null, null, null));
                continue;
            }

            var t = inMemory.Feature(f.Name);
            var asDouble = t.to_type(ScalarType.Float64);
            var nan = asDouble.isnan();
            long nanCount = nan.sum().item<long>();
            var present = asDouble.masked_select(nan.logical_not());
            bool any = present.numel() > 0;
            rows.Add(new TensorSummary(f.Name, "feature", shape, Name(f.DType), null, nanCount,
                any ? present.min().item<double>() : null, any ? present.max().item<double>() : null, any ? present.mean().item<double>() : null));
        }

        foreach (var l in dataset.Schema.Labels)
        {
            var shape = new[] { dataset.Count }.Concat(l.SampleShape).ToArray();
            var dtype = l.Kind == LabelKind.Class ? "int64" : "float32";
            if (inMemory is null)
            {
                rows.Add(new TensorSummary(l.Name, "label", shape, dtype, l.Kind, null, null, null, null));
                continue;
            }

            var label = inMemory.Label(l.Name);
            long missing = label.MissingCount;
            var present = label.Values.index_select(0, label.Mask.nonzero().flatten()).to_type(ScalarType.Float64);
            bool any = present.numel() > 0;
            rows.Add(new TensorSummary(l.Name, "label", shape, Name(label.Values.dtype), l.Kind, missing,
                any ? present.min().item<double>() : null, any ? present.max().item<double>() : null, any ? present.mean().item<double>() : null));
            if (l.Classes is null) continue;
            long[] counts = l.Kind == LabelKind.Class
                ? Enumerable.Range(0, l.Classes.Count).Select(c => present.eq(c).sum().item<long>()).ToArray()
                : Enumerable.Range(0, l.Classes.Count).Select(c => present[TensorIndex.Colon, c].gt(0.5).sum().item<long>()).ToArray();
            balances.Add(new ClassBalance(l.Name, l.Classes.Select((name, i) => (name, counts[i])).ToArray(), missing));
        }

        return new DatasetSummary(dataset.Count, rows, balances);
    }

    private static string Name(ScalarType t) => t switch
    {
        ScalarType.Byte => "uint8",
        ScalarType.Int8 => "int8",
        ScalarType.Int16 => "int16",
        ScalarType.Int32 => "int32",
        ScalarType.Int64 => "int64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Bool => "bool",
        _ => t.ToString().ToLowerInvariant(),
    };
}
