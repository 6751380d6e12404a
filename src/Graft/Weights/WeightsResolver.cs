namespace Graft.Weights;

/// <summary>
/// One way of turning a weights reference (what a run file's <c>weights:</c> key, the CLI or the API says) into an
/// entry. Graft has two (registry names and files); the pool registers a third for its entries.
/// </summary>
public interface IWeightsSource
{
    /// <summary>What this source resolves, for error messages (e.g. <c>a registry entry name</c>).</summary>
    string Description { get; }

    /// <summary>The entry <paramref name="reference"/> names, or null when this source does not know it.</summary>
    /// <param name="reference">The reference as written.</param>
    /// <param name="baseDirectory">The folder relative paths are relative to (e.g. the run file's), or null for the current directory.</param>
    WeightsEntry? TryResolve(string reference, string? baseDirectory);
}

/// <summary>
/// The single resolver for every place that names weights: a registry entry name (<c>SmallCnnWeights.FashionMnistV1</c>),
/// a weights file (TorchSharp format or <c>.safetensors</c>), or what any added <see cref="IWeightsSource"/> knows
/// (the pool, once it exists). Sources are asked in order; the first that knows the reference wins.
/// </summary>
/// <example><code>
/// var entry = WeightsResolver.Default.Resolve("SmallCnnWeights.FashionMnistV1");
/// WeightsResolver.Default.Add(myPoolSource);   // later: pool entries
/// </code></example>
public sealed class WeightsResolver
{
    private readonly object _gate = new();
    private readonly List<IWeightsSource> _sources;

    /// <summary>Creates a resolver asking <paramref name="sources"/> in order.</summary>
    public WeightsResolver(IEnumerable<IWeightsSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = sources.ToList();
    }

    /// <summary>The process-wide resolver: registry names, files, then pool entries (<c>pool:name@version</c>).</summary>
    public static WeightsResolver Default { get; } = new([new RegistrySource(), new FileSource(), new Graft.Pool.PoolWeightsSource()]);

    /// <summary>The sources, in the order they are asked.</summary>
    public IReadOnlyList<IWeightsSource> Sources
    {
        get
        {
            lock (_gate) return _sources.ToList();
        }
    }

    /// <summary>Adds a source, asked after the existing ones unless <paramref name="first"/>.</summary>
    public void Add(IWeightsSource source, bool first = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_gate)
        {
            if (_sources.Contains(source)) return;
            if (first) _sources.Insert(0, source);
            else _sources.Add(source);
        }
    }

    /// <summary>The entry <paramref name="reference"/> names.</summary>
    /// <param name="reference">A registry entry name, a file, or anything an added source knows.</param>
    /// <param name="baseDirectory">The folder relative file paths are relative to; null for the current directory.</param>
    /// <exception cref="WeightsException">No source knows the reference; the message says what was tried and suggests close entry names.</exception>
    public WeightsEntry Resolve(string reference, string? baseDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var failures = new List<string>();
        WeightsNotFoundException? owned = null;
        foreach (var source in Sources)
        {
            try
            {
                if (source.TryResolve(reference, baseDirectory) is { } entry)
                    return entry;
            }
            catch (WeightsNotFoundException e)
            {
                // The source owns this kind of reference: its message is the answer, unless a later source knows it.
                owned ??= e;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A failing source (e.g. a pool whose database is down) is reported, not thrown through: the others still answer.
                failures.Add($"{source.Description} could not be looked up: {e.Message.Split('\n')[0]}");
            }
        }

        if (owned is not null) throw owned;
        bool looksLikeFile = reference.Contains('/') || reference.Contains('\\')
                             || reference.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) || reference.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (looksLikeFile && failures.Count == 0)
        {
            var path = Path.GetFullPath(Path.IsPathRooted(reference) || baseDirectory is null ? reference : Path.Combine(baseDirectory, reference));
            throw new WeightsException($"the weights file {path} does not exist.");
        }

        throw new WeightsException($"'{reference}' is neither {string.Join(" nor ", Sources.Select(s => s.Description))}. "
                                   + (failures.Count > 0 ? string.Join("; ", failures) + ". " : "")
                                   + WeightsRegistry.NotFound(reference).Replace($"no weights entry named '{reference}'. ", "", StringComparison.Ordinal));
    }

    /// <summary>Registry entry names (<see cref="WeightsRegistry"/>).</summary>
    public sealed class RegistrySource : IWeightsSource
    {
        /// <inheritdoc />
        public string Description => "a registry entry name";

        /// <inheritdoc />
        public WeightsEntry? TryResolve(string reference, string? baseDirectory) =>
            reference.Contains('/') || reference.Contains('\\') ? null : WeightsRegistry.TryGet(reference);
    }

    /// <summary>Weights files, relative to the base directory.</summary>
    public sealed class FileSource : IWeightsSource
    {
        /// <inheritdoc />
        public string Description => "an existing weights file";

        /// <inheritdoc />
        public WeightsEntry? TryResolve(string reference, string? baseDirectory)
        {
            var path = Path.IsPathRooted(reference) || baseDirectory is null ? reference : Path.Combine(baseDirectory, reference);
            return File.Exists(path) ? WeightsEntry.FromFile(path) : null;
        }
    }
}
