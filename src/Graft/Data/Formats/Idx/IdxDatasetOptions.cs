namespace Graft.Data.Formats.Idx;

/// <summary>Options for <see cref="IdxReader.ReadDataset"/>.</summary>
public sealed record IdxDatasetOptions
{
    /// <summary>The name of the feature tensor. Default <c>image</c>.</summary>
    public string FeatureName
    {
        get;
        init => field = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("The feature name must not be empty.", nameof(FeatureName)) : value;
    } = "image";

    /// <summary>The name of the class label. Default <c>label</c>.</summary>
    public string LabelName
    {
        get;
        init => field = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("The label name must not be empty.", nameof(LabelName)) : value;
    } = "label";

    /// <summary>The class names in index order; null names classes <c>0</c>, <c>1</c>, ...</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>When set, only the first this many samples are read (useful for quick tests). Must not be negative.</summary>
    public long? Limit
    {
        get;
        init => field = value is < 0 ? throw new ArgumentOutOfRangeException(nameof(Limit), value, "The limit must not be negative.") : value;
    }

    /// <summary>Whether <c>uint8</c> images are scaled from 0..255 to [0, 1]. Default true.</summary>
    public bool ScaleBytes { get; init; } = true;
}
