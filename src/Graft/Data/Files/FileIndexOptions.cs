namespace Graft.Data.Files;

/// <summary>Options of <see cref="FileIndexDataset"/>.</summary>
public sealed record FileIndexOptions
{
    private readonly string _pathColumn = "path";
    private readonly char _delimiter = ',';
    private readonly int? _channels;
    private readonly ImageSize? _resize;
    private readonly string? _featureName;

    /// <summary>The header name of the column holding the sample file paths. Default <c>path</c>.</summary>
    public string PathColumn
    {
        get => _pathColumn;
        init => _pathColumn = ImageOptionChecks.Name(value, nameof(PathColumn));
    }

    /// <summary>The field delimiter of the index file. Default <c>,</c>; must not be a quote, space or line break.</summary>
    public char Delimiter
    {
        get => _delimiter;
        init => _delimiter = value is '"' or ' ' or '\r' or '\n'
            ? throw new ArgumentOutOfRangeException(nameof(Delimiter), value, "The delimiter must not be a quote, a space or a line break.")
            : value;
    }

    /// <summary>For image samples, the channel count: 1, 3, or null (the default) to take it from the first image.</summary>
    public int? Channels
    {
        get => _channels;
        init => _channels = ImageOptionChecks.Channels(value, nameof(Channels));
    }

    /// <summary>
    /// For image samples, the size every image is resized to; null (the default) keeps the size, and then every image
    /// must have the first image's size.
    /// </summary>
    public ImageSize? Resize
    {
        get => _resize;
        init => _resize = ImageOptionChecks.Size(value, nameof(Resize));
    }

    /// <summary>The name of the sample feature; null (the default) means <c>image</c> for image samples.</summary>
    public string? FeatureName
    {
        get => _featureName;
        init => _featureName = value is null ? null : ImageOptionChecks.Name(value, nameof(FeatureName));
    }

    /// <summary>
    /// Declared kinds of label columns by column name (<see cref="LabelKind.Class"/> or <see cref="LabelKind.Value"/>);
    /// columns not listed are inferred: text columns are class labels, numeric columns follow
    /// <see cref="Data.LabelKinds.Infer"/>. Null (the default) infers every column.
    /// </summary>
    public IReadOnlyDictionary<string, LabelKind>? LabelKinds { get; init; }
}
