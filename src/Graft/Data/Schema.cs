namespace Graft.Data;

/// <summary>Describes one feature tensor of a dataset: its name, per-sample shape and element type.</summary>
/// <param name="Name">The tensor's name, e.g. <c>image</c> or <c>features</c>.</param>
/// <param name="SampleShape">The shape of one sample (without the leading sample dimension).</param>
/// <param name="DType">The element type.</param>
/// <param name="ColumnNames">For tabular features, the name of each column of the last dimension; otherwise null.</param>
public sealed record FeatureInfo(string Name, long[] SampleShape, TorchSharp.torch.ScalarType DType, IReadOnlyList<string>? ColumnNames = null);

/// <summary>Describes one label tensor of a dataset.</summary>
/// <param name="Name">The label's name, e.g. <c>label</c>.</param>
/// <param name="Kind">What the label holds.</param>
/// <param name="SampleShape">The shape of one sample's label (empty for a class index or a scalar value).</param>
/// <param name="Classes">
/// For <see cref="LabelKind.Class"/> and <see cref="LabelKind.MultiLabel"/>, the name of each class in index order;
/// otherwise null.
/// </param>
public sealed record LabelInfo(string Name, LabelKind Kind, long[] SampleShape, IReadOnlyList<string>? Classes = null)
{
    /// <summary>The number of classes for class and multi-label labels; null for values.</summary>
    public int? ClassCount => Classes?.Count;
}

/// <summary>The names, shapes and kinds of a dataset's tensors.</summary>
/// <param name="Features">The feature tensors, in order.</param>
/// <param name="Labels">The label tensors, in order.</param>
public sealed record DatasetSchema(IReadOnlyList<FeatureInfo> Features, IReadOnlyList<LabelInfo> Labels)
{
    /// <summary>The feature called <paramref name="name"/>; throws a clear error naming the known features otherwise.</summary>
    public FeatureInfo Feature(string name) =>
        Features.FirstOrDefault(f => f.Name == name)
        ?? throw new KeyNotFoundException($"The dataset has no feature '{name}'. Its features are: {string.Join(", ", Features.Select(f => f.Name))}.");

    /// <summary>The label called <paramref name="name"/>; throws a clear error naming the known labels otherwise.</summary>
    public LabelInfo Label(string name) =>
        Labels.FirstOrDefault(l => l.Name == name)
        ?? throw new KeyNotFoundException($"The dataset has no label '{name}'. Its labels are: {(Labels.Count == 0 ? "(none)" : string.Join(", ", Labels.Select(l => l.Name)))}.");
}
