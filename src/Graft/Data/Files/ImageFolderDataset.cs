namespace Graft.Data.Files;

/// <summary>
/// A dataset of image files laid out as one sub-folder per class (<c>root/cat/001.png</c>, <c>root/dog/7.jpg</c>, ...),
/// loaded lazily: the constructor only lists the files (and reads the first image's header); images are decoded in
/// <see cref="GetBatch"/>, so the dataset may be far larger than memory.
/// </summary>
/// <remarks>
/// <para>Classes are the sub-folders of the root, sorted by ordinal name; a class's index is its position in that order.
/// Each class folder is searched recursively for <c>.png</c>, <c>.jpg</c>, <c>.jpeg</c> and <c>.bmp</c> files (any case);
/// other files are ignored, as are files and folders whose name starts with a dot (e.g. <c>.ipynb_checkpoints</c>,
/// <c>._1.png</c>). Samples are ordered by class, then by ordinal relative path. An empty class folder is
/// allowed (the class simply has no samples).</para>
/// <para>Batches carry the feature <see cref="ImageFolderOptions.FeatureName"/> (<c>float32 [B, C, H, W]</c>, values in
/// [0, 1]) and the class label <see cref="ImageFolderOptions.LabelName"/> (<c>int64 [B]</c>, never missing).</para>
/// <para><see cref="GetBatch"/> is safe to call from several threads at once.</para>
/// </remarks>
/// <example>
/// <code>
/// var train = new ImageFolderDataset("data/train", new ImageFolderOptions { Channels = 3, Resize = new ImageSize(64, 64) });
/// using var batch = train.GetBatch([0, 1, 2, 3]);   // batch["image"]: float32 [4, 3, 64, 64]
/// </code>
/// </example>
public sealed class ImageFolderDataset : IDataset
{
    private readonly FileSamples _samples;
    private readonly LabelColumn _label;
    private readonly string _featureName;

    /// <summary>Lists the class folders and image files under <paramref name="root"/>.</summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="options">Channels, resizing and tensor names; null for the defaults.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// The root has no class folders or no images, or the first image's header cannot be read.
    /// </exception>
    public ImageFolderDataset(string root, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        options ??= new ImageFolderOptions();
        if (options.FeatureName == options.LabelName)
            throw new ArgumentException($"The feature and the label are both called '{options.FeatureName}'; give them different names.", nameof(options));
        Root = Path.GetFullPath(root);
        if (!Directory.Exists(Root)) throw new DirectoryNotFoundException($"The image folder '{Root}' does not exist.");

        var classDirs = Directory.GetDirectories(Root)
            .Where(d => !IsHidden(d))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToArray();
        if (classDirs.Length == 0)
            throw new DataFormatException(Root, "the folder has no class sub-folders; expected one sub-folder per class holding that class's images (e.g. cat/1.png, dog/2.png).");

        var paths = new List<string>();
        var classes = new List<long>();
        for (int c = 0; c < classDirs.Length; c++)
        {
            var files = Directory.EnumerateFiles(classDirs[c], "*", SearchOption.AllDirectories)
                .Where(f => SampleDecoders.IsImage(f) && !InHiddenPlace(classDirs[c], f))
                .OrderBy(f => Path.GetRelativePath(classDirs[c], f), StringComparer.Ordinal);
            foreach (var file in files)
            {
                paths.Add(file);
                classes.Add(c);
            }
        }

        if (paths.Count == 0)
            throw new DataFormatException(Root,
                $"none of the {classDirs.Length} class folders ({string.Join(", ", classDirs.Select(Path.GetFileName))}) holds an image; expected {string.Join(", ", SampleDecoders.ImageExtensions)} files.");

        Classes = classDirs.Select(d => Path.GetFileName(d)!).ToArray();
        var decoder = new ImageSampleDecoder(new ImageSettings(options.Channels, options.Resize));
        var pathArray = paths.ToArray();
        _samples = new FileSamples(pathArray, Enumerable.Repeat<ISampleDecoder>(decoder, pathArray.Length).ToArray(),
            $"the first image, {Path.GetRelativePath(Root, pathArray[0])}");
        _label = LabelColumn.Classes(options.LabelName, classes.ToArray(), Enumerable.Repeat(true, pathArray.Length).ToArray(), Classes);
        _featureName = options.FeatureName;
        Schema = new DatasetSchema(
            [new FeatureInfo(_featureName, _samples.Layout.Shape.ToArray(), _samples.Layout.DType)],
            [_label.Info]);
    }

    /// <summary>The full path of the root folder.</summary>
    public string Root { get; }

    /// <summary>The class names (the sub-folder names) in class-index order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The full path of every image, in sample order.</summary>
    public IReadOnlyList<string> Files => _samples.Paths;

    /// <inheritdoc />
    public long Count => _samples.Count;

    /// <inheritdoc />
    public DatasetSchema Schema { get; }

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');

    /// <summary>Whether the file, or a folder between <paramref name="classDir"/> and it, has a name starting with a dot.</summary>
    private static bool InHiddenPlace(string classDir, string file) =>
        Path.GetRelativePath(classDir, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part.StartsWith('.'));

    /// <inheritdoc />
    /// <exception cref="DataFormatException">An image of the batch is corrupt or (without resizing) has a different size from the first image.</exception>
    public Batch GetBatch(ReadOnlySpan<long> indices)
    {
        var idx = _samples.CheckIndices(indices);
        var images = _samples.Load(idx);
        try
        {
            var label = _label.Gather(idx);
            return new Batch(new Dictionary<string, TorchSharp.torch.Tensor> { [_featureName] = images },
                new Dictionary<string, LabelTensor> { [_label.Info.Name] = label }, idx);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }
}
