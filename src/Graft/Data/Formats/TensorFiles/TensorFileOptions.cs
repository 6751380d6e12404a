namespace Graft.Data.Formats.TensorFiles;

/// <summary>
/// How the named tensors of a tensor file (<c>.npz</c>, <c>.safetensors</c>, <c>.npy</c>) become a dataset: which
/// tensors are labels, and of what kind. Every other tensor is a feature, except the <c>&lt;label&gt;_mask</c>
/// companions of labels.
/// </summary>
public sealed record TensorFileOptions
{
    /// <summary>The tensor names taken for labels when <see cref="Labels"/> is null.</summary>
    public static IReadOnlyList<string> DefaultLabelNames { get; } = ["y", "label", "labels", "target", "targets"];

    /// <summary>The suffix of a label's companion mask tensor: label <c>y</c> may come with <c>y_mask</c>.</summary>
    public const string MaskSuffix = "_mask";

    private readonly IReadOnlyDictionary<string, LabelKind?>? _labels;

    /// <summary>
    /// The label tensors by name, each with its declared kind or null to infer it (see <see cref="LabelKinds.Infer"/>).
    /// Null (the default) takes the tensors named in <see cref="DefaultLabelNames"/> that the file holds, with inferred
    /// kinds. An empty dictionary makes every tensor a feature. Named labels must exist in the file.
    /// </summary>
    /// <exception cref="ArgumentException">A label name is empty or ends with <see cref="MaskSuffix"/>.</exception>
    public IReadOnlyDictionary<string, LabelKind?>? Labels
    {
        get => _labels;
        init
        {
            if (value is not null)
                foreach (var name in value.Keys)
                {
                    if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A label name must not be empty.", nameof(Labels));
                    if (name.EndsWith(MaskSuffix, StringComparison.Ordinal))
                        throw new ArgumentException($"Label name '{name}' ends with '{MaskSuffix}', which marks mask tensors.", nameof(Labels));
                }

            _labels = value;
        }
    }
}
