using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data;

/// <summary>
/// An in-memory dataset of named tensors: one or more features and zero or more labels, each label with its kind and
/// a mask of which samples carry it. Instances are immutable; <c>With...</c> methods return new datasets that share
/// the unchanged tensors. The dataset owns its tensors (they are detached from any dispose scope) until disposed.
/// </summary>
/// <example>
/// <code>
/// var data = new TensorDataset()
///     .WithFeature("image", images)                                  // float32 [N, 1, 28, 28]
///     .WithLabel("label", labels, LabelKind.Class, classes: names);  // int64 [N]
/// </code>
/// </example>
public sealed class TensorDataset : IDataset, IDisposable
{
    private readonly (string Name, Tensor Tensor, FeatureInfo Info)[] _features;
    private readonly (string Name, LabelTensor Tensor, LabelInfo Info)[] _labels;

    /// <summary>Creates an empty dataset; add tensors with <see cref="WithFeature"/> and <see cref="WithLabel"/>.</summary>
    public TensorDataset() : this(Array.Empty<(string, Tensor, FeatureInfo)>(), Array.Empty<(string, LabelTensor, LabelInfo)>())
    {
    }

    private TensorDataset((string, Tensor, FeatureInfo)[] features, (string, LabelTensor, LabelInfo)[] labels)
    {
        _features = features;
        _labels = labels;
        Count = features.Length > 0 ? features[0].Item2.shape[0] : labels.Length > 0 ? labels[0].Item2.Values.shape[0] : 0;
        Schema = new DatasetSchema(features.Select(f => f.Item3).ToArray(), labels.Select(l => l.Item3).ToArray());
    }

    /// <inheritdoc />
    public long Count { get; }

    /// <inheritdoc />
    public DatasetSchema Schema { get; }

    /// <inheritdoc />
    public bool IsInMemory => true;

    /// <summary>Feature tensors by name, in order.</summary>
    public IReadOnlyDictionary<string, Tensor> Features => _features.ToDictionary(f => f.Name, f => f.Tensor);

    /// <summary>Label tensors by name, in order.</summary>
    public IReadOnlyDictionary<string, LabelTensor> Labels => _labels.ToDictionary(l => l.Name, l => l.Tensor);

    /// <summary>The feature tensor called <paramref name="name"/>.</summary>
    public Tensor Feature(string name) => _features.FirstOrDefault(f => f.Name == name).Tensor ?? throw Missing("feature", name);

    /// <summary>The label called <paramref name="name"/>.</summary>
    public LabelTensor Label(string name) => _labels.FirstOrDefault(l => l.Name == name).Tensor ?? throw Missing("label", name);

    /// <summary>
    /// Returns a dataset with feature <paramref name="name"/> added. The tensor's first dimension is the sample
    /// dimension and must match the dataset's sample count.
    /// </summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="values">The feature tensor, <c>[N, ...]</c>.</param>
    /// <param name="columnNames">For tabular data, the name of each column of the last dimension.</param>
    public TensorDataset WithFeature(string name, Tensor values, IReadOnlyList<string>? columnNames = null)
    {
        CheckName(name);
        CheckRows(name, values);
        if (columnNames is not null && (values.dim() < 2 || values.shape[^1] != columnNames.Count))
            throw new ArgumentException($"Feature '{name}' has shape [{string.Join(", ", values.shape)}] but {columnNames.Count} column names were given.");
        values.DetachFromDisposeScope();
        var info = new FeatureInfo(name, values.shape.Skip(1).ToArray(), values.dtype, columnNames);
        return new TensorDataset(_features.Append((name, values, info)).ToArray(), _labels);
    }

    /// <summary>
    /// Returns a dataset with label <paramref name="name"/> added. When <paramref name="kind"/> is null it is inferred
    /// from the values (see <see cref="LabelKinds.Infer"/>). Values are converted to the kind's dtype (class indices to
    /// <c>int64</c>, flags and values to <c>float32</c>).
    /// </summary>
    /// <param name="name">The label's name.</param>
    /// <param name="values">The label values, <c>[N]</c> or <c>[N, ...]</c>.</param>
    /// <param name="kind">The label's kind, or null to infer it.</param>
    /// <param name="mask">Which samples carry the label (<c>bool [N]</c>); null means all of them.</param>
    /// <param name="classes">Class names in index order; defaults to <c>"0"</c>, <c>"1"</c>, ... for class labels.</param>
    public TensorDataset WithLabel(string name, Tensor values, LabelKind? kind = null, Tensor? mask = null, IReadOnlyList<string>? classes = null)
    {
        CheckName(name);
        CheckRows(name, values);
        long n = values.shape[0];
        if (mask is not null)
        {
            if (mask.dim() != 1 || mask.shape[0] != n)
                throw new ArgumentException($"The mask of label '{name}' has shape [{string.Join(", ", mask.shape)}]; expected [{n}].");
            mask = mask.dtype == ScalarType.Bool ? mask : mask.to_type(ScalarType.Bool);
        }
        else
        {
            mask = torch.ones(n, ScalarType.Bool);
        }

        var resolved = kind ?? LabelKinds.Infer(values, mask);
        Tensor converted;
        switch (resolved)
        {
            case LabelKind.Class:
                if (values.dim() != 1)
                    throw new ArgumentException($"Class label '{name}' must have shape [N] (one class index per sample); it has [{string.Join(", ", values.shape)}].");
                converted = values.dtype == ScalarType.Int64 ? values : values.to_type(ScalarType.Int64);
                using (var scope = torch.NewDisposeScope())
                {
                    var present = converted.masked_select(mask);
                    if (present.numel() > 0)
                    {
                        long min = present.min().item<long>(), max = present.max().item<long>();
                        if (min < 0)
                            throw new ArgumentException($"Class label '{name}' has a negative class index ({min}); mark missing labels with the mask instead.");
                        int count = classes?.Count ?? (int)(max + 1);
                        if (max >= count)
                            throw new ArgumentException($"Class label '{name}' has class index {max} but only {count} class names were given.");
                    }
                }
                classes ??= Enumerable.Range(0, (int)Math.Max(1, MaxPresent(converted, mask) + 1)).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                break;
            case LabelKind.MultiLabel:
                if (values.dim() != 2)
                    throw new ArgumentException($"Multi-label '{name}' must have shape [N, K] (one 0/1 flag per class); it has [{string.Join(", ", values.shape)}].");
                converted = values.dtype == ScalarType.Float32 ? values : values.to_type(ScalarType.Float32);
                classes ??= Enumerable.Range(0, (int)values.shape[1]).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                if (classes.Count != values.shape[1])
                    throw new ArgumentException($"Multi-label '{name}' has {values.shape[1]} flags but {classes.Count} class names were given.");
                break;
            default:
                converted = values.dtype == ScalarType.Float32 ? values : values.to_type(ScalarType.Float32);
                classes = null;
                break;
        }

        if (!ReferenceEquals(converted, values)) values.Dispose();
        converted.DetachFromDisposeScope();
        mask.DetachFromDisposeScope();
        var info = new LabelInfo(name, resolved, converted.shape.Skip(1).ToArray(), classes);
        return new TensorDataset(_features, _labels.Append((name, new LabelTensor(converted, mask), info)).ToArray());
    }

    /// <inheritdoc />
    public Batch GetBatch(ReadOnlySpan<long> indices)
    {
        var idx = indices.ToArray();
        foreach (var i in idx)
            if (i < 0 || i >= Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Sample index {i} is outside the dataset (0..{Count - 1}).");
        using var index = torch.tensor(idx, ScalarType.Int64);
        var features = _features.ToDictionary(f => f.Name, f => f.Tensor.index_select(0, index));
        var labels = _labels.ToDictionary(l => l.Name, l => new LabelTensor(l.Tensor.Values.index_select(0, index), l.Tensor.Mask.index_select(0, index)));
        foreach (var t in features.Values) t.DetachFromDisposeScope();
        foreach (var l in labels.Values) { l.Values.DetachFromDisposeScope(); l.Mask.DetachFromDisposeScope(); }
        return new Batch(features, labels, idx);
    }

    /// <summary>A new in-memory dataset holding copies of the samples at <paramref name="indices"/>.</summary>
    public TensorDataset Select(ReadOnlySpan<long> indices)
    {
        using var batch = GetBatch(indices);
        var result = new TensorDataset();
        foreach (var f in _features) result = result.WithFeature(f.Name, batch.Features[f.Name].clone(), f.Info.ColumnNames);
        foreach (var l in _labels) result = result.WithLabel(l.Name, batch.Labels[l.Name].Values.clone(), l.Info.Kind, batch.Labels[l.Name].Mask.clone(), l.Info.Classes);
        return result;
    }

    /// <summary>Disposes every tensor of the dataset.</summary>
    public void Dispose()
    {
        foreach (var f in _features) f.Tensor.Dispose();
        foreach (var l in _labels) l.Tensor.Dispose();
    }

    private static long MaxPresent(Tensor values, Tensor mask)
    {
        using var present = values.masked_select(mask);
        if (present.numel() == 0) return 0;
        using var max = present.max();
        return max.item<long>();
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A tensor name must not be empty.", nameof(name));
        if (_features.Any(f => f.Name == name) || _labels.Any(l => l.Name == name))
            throw new ArgumentException($"The dataset already has a tensor called '{name}'.", nameof(name));
    }

    private void CheckRows(string name, Tensor values)
    {
        if (values.dim() == 0) throw new ArgumentException($"Tensor '{name}' is a scalar; datasets need a leading sample dimension.");
        if ((_features.Length > 0 || _labels.Length > 0) && values.shape[0] != Count)
            throw new ArgumentException(
                $"Tensor '{name}' has {values.shape[0]} samples (shape [{string.Join(", ", values.shape)}]) but the dataset has {Count}: features and labels must have the same number of samples.");
    }

    private static KeyNotFoundException Missing(string what, string name) => new($"The dataset has no {what} '{name}'.");
}
