using System.Security.Cryptography;

namespace Graft.Weights;

/// <summary>
/// A weights entry: where the weights are (a file path or a URL), their full SHA-256, the builder and arguments that
/// make the module they fit, the preprocessing they expect and typed metadata. Entries are data; loading them
/// (<see cref="Loading.WeightsLoader"/>) always checks the digest first. Entries of a specific architecture are
/// <see cref="WeightsEntry{TArchitecture}"/>, which typed builders take so that weights of another architecture do not
/// compile.
/// </summary>
public record WeightsEntry
{
    /// <summary>The entry's name, <c>Catalog.Tag</c> (e.g. <c>SmallCnnWeights.FashionMnistV1</c>), or <c>file:</c> plus a path for entries made from files.</summary>
    public required string Name { get; init; }

    /// <summary>The builder that makes the module these weights fit (e.g. <c>small_cnn</c>), or null when unknown (entries made from files).</summary>
    public string? Builder { get; init; }

    /// <summary>The builder's arguments the weights were trained with (text or lists of text, as run files give them).</summary>
    public IReadOnlyDictionary<string, object> BuilderArgs { get; init; } = new Dictionary<string, object>();

    /// <summary>The shape of one input sample the weights were trained on (e.g. <c>[1, 28, 28]</c>); empty when unknown.</summary>
    public IReadOnlyList<long> InputShape { get; init; } = [];

    /// <summary>The weights file: an absolute path, a path relative to <see cref="BaseDirectory"/>, or an http(s) URL.</summary>
    public required string Source { get; init; }

    /// <summary>The folder a relative <see cref="Source"/> is relative to; null means the current directory.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>The full SHA-256 of the weights file, 64 lower-case hexadecimal digits.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The file's format.</summary>
    public WeightsFormat Format { get; init; } = WeightsFormat.Safetensors;

    /// <summary>The preprocessing the weights expect of their inputs.</summary>
    public Preprocessing Preprocessing { get; init; } = Preprocessing.None;

    /// <summary>Typed metadata: categories, size, metrics, cost, recipe, lineage, creation time, tags.</summary>
    public WeightsMetadata Metadata { get; init; } = new();

    /// <summary>The key of the first convolution's weight (adapted when the input channels differ), or null to take the first 4-D weight.</summary>
    public string? FirstConv { get; init; }

    /// <summary>The key prefix of the classifier (dropped when the class count differs), or null to take the layer of the last 2-D weight.</summary>
    public string? Classifier { get; init; }

    /// <summary>The part of <see cref="Name"/> after the catalog name (e.g. <c>FashionMnistV1</c>).</summary>
    public string Tag => Name.StartsWith("file:", StringComparison.Ordinal) ? Name : Name[(Name.LastIndexOf('.') + 1)..];

    /// <summary>The catalog part of <see cref="Name"/> (e.g. <c>SmallCnnWeights</c>), or empty.</summary>
    public string CatalogName => Name.StartsWith("file:", StringComparison.Ordinal) || !Name.Contains('.') ? "" : Name[..Name.LastIndexOf('.')];

    /// <summary>Whether <see cref="Source"/> is an http(s) URL.</summary>
    public bool IsRemote => Source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of a local <see cref="Source"/>.</summary>
    public string LocalPath => IsRemote ? throw new InvalidOperationException($"weights entry {Name} is remote ({Source}).")
        : Path.GetFullPath(Path.IsPathRooted(Source) || BaseDirectory is null ? Source : Path.Combine(BaseDirectory, Source));

    /// <summary>
    /// An entry for a local weights file (e.g. <c>checkpoints/encoder.ckpt</c> of an earlier run): the expected digest is
    /// read from a <c>&lt;file&gt;.sha256</c> beside it when there is one, else taken from the file now, so the load
    /// still refuses a file changed in between. The format follows the extension (<c>.safetensors</c> or TorchSharp's).
    /// </summary>
    /// <param name="path">The weights file.</param>
    /// <param name="builder">The builder the weights fit, when known.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <example><code>var mine = WeightsEntry.FromFile("runs/med/checkpoints/classifier.ckpt", builder: "resnet8");</code></example>
    public static WeightsEntry FromFile(string path, string? builder = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"the weights file {path} does not exist.", full);
        return new WeightsEntry
        {
            Name = "file:" + full,
            Builder = builder,
            Source = full,
            Sha256 = ExpectedDigest(full),
            Format = WeightsFormats.FromPath(full),
            Metadata = new WeightsMetadata { FileSize = new FileInfo(full).Length, Created = File.GetLastWriteTimeUtc(full) },
        };
    }

    /// <summary>The digest a local file is expected to have: its <c>.sha256</c> sidecar's, else its own.</summary>
    internal static string ExpectedDigest(string full)
    {
        var sidecar = full + ".sha256";
        if (File.Exists(sidecar))
        {
            var text = File.ReadAllText(sidecar).Trim();
            var digest = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            if (digest.Length == 64 && digest.All(Uri.IsHexDigit)) return digest.ToLowerInvariant();
        }

        return HashFile(full);
    }

    /// <summary>The full SHA-256 of a file, lower-case hexadecimal.</summary>
    /// <param name="path">The file.</param>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>
/// A weights entry for one architecture, marked by <typeparamref name="TArchitecture"/> (e.g. <c>SmallCnnWeights</c>).
/// Typed builders take <c>WeightsEntry&lt;SmallCnnWeights&gt;</c>, so passing weights of another architecture does not
/// compile; users add their own entries of the same type to the architecture's catalog or to catalogs of their own.
/// </summary>
/// <typeparam name="TArchitecture">The marker type of the architecture.</typeparam>
public sealed record WeightsEntry<TArchitecture> : WeightsEntry
{
    /// <summary>Creates an empty entry (set the required members).</summary>
    public WeightsEntry() { }

    /// <summary>A typed copy of <paramref name="entry"/> (e.g. one read from a manifest).</summary>
    /// <param name="entry">The entry to copy.</param>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public WeightsEntry(WeightsEntry entry) : base(entry ?? throw new ArgumentNullException(nameof(entry))) { }

    /// <summary>An entry of this architecture for a local file (see <see cref="WeightsEntry.FromFile"/>), with the architecture's builder.</summary>
    /// <param name="path">The weights file.</param>
    /// <param name="template">An entry of the same architecture whose builder, arguments, input shape, preprocessing and categories the file shares.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static WeightsEntry<TArchitecture> FromFile(string path, WeightsEntry<TArchitecture> template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var plain = WeightsEntry.FromFile(path, template.Builder);
        return new WeightsEntry<TArchitecture>
        {
            Name = plain.Name, Builder = template.Builder, BuilderArgs = template.BuilderArgs, InputShape = template.InputShape,
            Source = plain.Source, Sha256 = plain.Sha256, Format = plain.Format, Preprocessing = template.Preprocessing,
            FirstConv = template.FirstConv, Classifier = template.Classifier,
            Metadata = plain.Metadata with { Categories = template.Metadata.Categories, Lineage = template.Name },
        };
    }
}
