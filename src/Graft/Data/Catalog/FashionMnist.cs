using Graft.Data.Formats.Idx;

namespace Graft.Data.Catalog;

/// <summary>The two splits of Fashion-MNIST.</summary>
public enum FashionMnistSplit
{
    /// <summary>The 60,000 training images.</summary>
    Train,

    /// <summary>The 10,000 test images.</summary>
    Test,
}

/// <summary>Options for <see cref="FashionMnist.Load(FashionMnistSplit, FashionMnistOptions?)"/>.</summary>
public sealed record FashionMnistOptions
{
    /// <summary>When set, only the first this many samples are read (useful for quick tests). Must not be negative.</summary>
    public long? Limit
    {
        get;
        init => field = value is < 0 ? throw new ArgumentOutOfRangeException(nameof(Limit), value, "The limit must not be negative.") : value;
    }

    /// <summary>
    /// When set, the files are looked for only in this directory (or its <c>fashion-mnist</c> subfolder); nothing else is
    /// searched and nothing is downloaded.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>Whether to download the files into the cache when they are found nowhere else. Default true.</summary>
    public bool Download { get; init; } = true;

    /// <summary>The download cache; null uses <c>$GRAFT_HOME/data/fashion-mnist</c>, else <c>~/.graft/data/fashion-mnist</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>How long one file's download may take. Default 10 minutes.</summary>
    public TimeSpan DownloadTimeout
    {
        get;
        init => field = value <= TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(DownloadTimeout), value, "The timeout must be positive.") : value;
    } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Fashion-MNIST (Zalando Research): 28x28 grey-scale images of clothing in 10 classes, 60,000 for training and 10,000
/// for testing, 1,000 test images per class.
/// </summary>
/// <remarks>
/// The files are looked for, in order: in each directory of <c>$GRAFT_DATA</c> (directly or in a <c>fashion-mnist</c>
/// subfolder), in <c>/usr/share/datasets/fashion-mnist</c> (Debian package <c>dataset-fashion-mnist</c>), in the cache
/// (<c>$GRAFT_HOME/data/fashion-mnist</c>, else <c>~/.graft/data/fashion-mnist</c>); when absent everywhere they are
/// downloaded from <see cref="DownloadAddress"/> into the cache and checked against the official MD5 checksums.
/// Both <c>.gz</c> and uncompressed file names are accepted.
/// </remarks>
public static class FashionMnist
{
    /// <summary>The folder name used under data directories and the cache.</summary>
    public const string FolderName = "fashion-mnist";

    /// <summary>The Debian package that installs the dataset.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>The official download address.</summary>
    public static readonly Uri DownloadAddress = new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    /// <summary>The class names in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const long MaxDownloadBytes = 64L << 20;

    /// <summary>One of the four files: its name on the server and its MD5 checksums.</summary>
    /// <param name="Name">The file name, e.g. <c>t10k-images-idx3-ubyte.gz</c>.</param>
    /// <param name="Md5">The official MD5 of the gzip file as published with the dataset.</param>
    /// <param name="ContentMd5">
    /// The MD5 of the decompressed IDX data: identical for every correct copy, including recompressed ones such as
    /// Debian's, whose gzip files differ from the official ones byte for byte.
    /// </param>
    internal sealed record FileSpec(string Name, string Md5, string ContentMd5)
    {
        public string RawName => Name[..^3];

        public string[] Candidates => [Name, RawName, RawName.Replace("-idx", ".idx", StringComparison.Ordinal)];
    }

    internal static (FileSpec Images, FileSpec Labels) Files(FashionMnistSplit split) => split switch
    {
        FashionMnistSplit.Train => (
            new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
            new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9")),
        FashionMnistSplit.Test => (
            new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"),
            new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965")),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown Fashion-MNIST split."),
    };

    /// <summary>
    /// Loads a split: feature <c>image</c> (<c>float32 [N, 1, 28, 28]</c>, values in [0, 1]) and class label
    /// <c>label</c> with <see cref="ClassNames"/>.
    /// </summary>
    /// <exception cref="DatasetNotFoundException">The files are not installed and could not be downloaded.</exception>
    /// <exception cref="DataFormatException">A file is corrupt.</exception>
    public static TensorDataset Load(FashionMnistSplit split, FashionMnistOptions? options = null) =>
        Load(split, options, DataEnvironment.Default);

    /// <summary>
    /// Finds (downloading if needed) the image and label files of <paramref name="split"/> and returns their paths.
    /// </summary>
    /// <exception cref="DatasetNotFoundException">The files are not installed and could not be downloaded.</exception>
    public static (string Images, string Labels) Locate(FashionMnistSplit split, FashionMnistOptions? options = null) =>
        Locate(split, options, DataEnvironment.Default);

    /// <summary>The directories searched for the files, in order (the cache last).</summary>
    public static IReadOnlyList<string> SearchDirectories(FashionMnistOptions? options = null) =>
        SearchDirectories(options ?? new FashionMnistOptions(), DataEnvironment.Default);

    internal static TensorDataset Load(FashionMnistSplit split, FashionMnistOptions? options, DataEnvironment environment)
    {
        options ??= new FashionMnistOptions();
        var (images, labels) = Locate(split, options, environment);
        return IdxReader.ReadDataset(images, labels, new IdxDatasetOptions { ClassNames = ClassNames, Limit = options.Limit });
    }

    internal static IReadOnlyList<string> SearchDirectories(FashionMnistOptions options, DataEnvironment environment)
    {
        if (options.Directory is { } only) return [only, Path.Combine(only, FolderName)];
        var dirs = new List<string>();
        foreach (var dir in environment.DataDirectories)
        {
            dirs.Add(dir);
            dirs.Add(Path.Combine(dir, FolderName));
        }

        dirs.Add(Path.Combine(environment.SystemDataDirectory, FolderName));
        dirs.Add(CacheDirectory(options, environment));
        return dirs;
    }

    internal static (string Images, string Labels) Locate(FashionMnistSplit split, FashionMnistOptions? options, DataEnvironment environment)
    {
        options ??= new FashionMnistOptions();
        var (imageFile, labelFile) = Files(split);
        var searched = SearchDirectories(options, environment);
        foreach (var dir in searched)
        {
            if (Find(dir, imageFile) is { } images && Find(dir, labelFile) is { } labels) return (images, labels);
        }

        string where = string.Join(", ", searched);
        string files = $"{imageFile.Name} and {labelFile.Name}";
        string install = $"Install it with `sudo apt-get install {DebianPackage}` or set {DataEnvironment.DataVariable} to a directory holding {files}.";
        if (options.Directory is not null)
            throw new DatasetNotFoundException("Fashion-MNIST", searched,
                $"Fashion-MNIST ({split} split) was not found in {where}: expected {files} (or their uncompressed versions) there.");
        if (!options.Download)
            throw new DatasetNotFoundException("Fashion-MNIST", searched,
                $"Fashion-MNIST ({split} split) was not found in {where}, and downloading is turned off. {install}");

        string cache = CacheDirectory(options, environment);
        try
        {
            foreach (var file in new[] { imageFile, labelFile })
            {
                if (Find(cache, file) is not null) continue;
                DatasetDownloader.Download(new Uri(DownloadAddress, file.Name), Path.Combine(cache, file.Name),
                    temp => Verify(temp, file), environment.Handler, options.DownloadTimeout, MaxDownloadBytes);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or UnauthorizedAccessException or DataFormatException)
        {
            throw new DatasetNotFoundException("Fashion-MNIST", searched,
                $"Fashion-MNIST ({split} split) was not found in {where}, and downloading it from {DownloadAddress} failed: {ex.Message} {install}", ex);
        }

        return (Find(cache, imageFile)!, Find(cache, labelFile)!);
    }

    /// <summary>
    /// Checks a Fashion-MNIST file against the official MD5 of the gzip file or, for recompressed copies, the MD5 of
    /// the decompressed data. Throws <see cref="DataFormatException"/> when neither matches.
    /// </summary>
    internal static void Verify(string path, FileSpec file)
    {
        string md5 = DatasetDownloader.Md5(path);
        if (md5 == file.Md5) return;
        string? content = DatasetDownloader.ContentMd5(path, 2 * MaxDownloadBytes);
        if (content == file.ContentMd5) return;
        throw new DataFormatException(path,
            $"the checksum does not match {file.Name}: MD5 {md5}" + (content is null ? "" : $" (decompressed {content})") +
            $", expected {file.Md5} (or {file.ContentMd5} decompressed); the download is corrupt or not Fashion-MNIST");
    }

    private static string CacheDirectory(FashionMnistOptions options, DataEnvironment environment) =>
        options.CacheDirectory ?? environment.CacheDirectory(FolderName);

    private static string? Find(string dir, FileSpec file) =>
        file.Candidates.Select(name => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
