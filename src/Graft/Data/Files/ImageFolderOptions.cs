namespace Graft.Data.Files;

/// <summary>Options of <see cref="ImageFolderDataset"/>.</summary>
public sealed record ImageFolderOptions
{
    private readonly int? _channels;
    private readonly ImageSize? _resize;
    private readonly string _featureName = "image";
    private readonly string _labelName = "label";

    /// <summary>
    /// The number of channels of the image tensor: 1 (grayscale) or 3 (RGB). Null (the default) takes it from the first
    /// image: 1 for grayscale files (with or without alpha), 3 otherwise. Every image is converted to this many channels;
    /// an alpha channel is dropped.
    /// </summary>
    public int? Channels
    {
        get => _channels;
        init => _channels = ImageOptionChecks.Channels(value, nameof(Channels));
    }

    /// <summary>
    /// The size every image is resized to (bilinear, antialiased when shrinking). Null (the default) keeps the original
    /// size, and then every image must have the size of the first one.
    /// </summary>
    public ImageSize? Resize
    {
        get => _resize;
        init => _resize = ImageOptionChecks.Size(value, nameof(Resize));
    }

    /// <summary>The name of the image feature, <c>float32 [B, C, H, W]</c> with values in [0, 1]. Default <c>image</c>.</summary>
    public string FeatureName
    {
        get => _featureName;
        init => _featureName = ImageOptionChecks.Name(value, nameof(FeatureName));
    }

    /// <summary>The name of the class label (<c>int64 [B]</c>, the index of the sample's class folder). Default <c>label</c>.</summary>
    public string LabelName
    {
        get => _labelName;
        init => _labelName = ImageOptionChecks.Name(value, nameof(LabelName));
    }
}

/// <summary>Validation shared by the image options records.</summary>
internal static class ImageOptionChecks
{
    public static int? Channels(int? value, string property) =>
        value is null or 1 or 3 ? value : throw new ArgumentOutOfRangeException(property, value, $"{property} must be 1 (grayscale), 3 (RGB) or null (taken from the first image).");

    public static ImageSize? Size(ImageSize? value, string property) =>
        value is { } s && (s.Height < 1 || s.Width < 1)
            ? throw new ArgumentOutOfRangeException(property, value, $"{property} must have a positive height and width (e.g. new ImageSize(28, 28)).")
            : value;

    public static string Name(string value, string property) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{property} must not be empty.", property) : value;
}
