namespace Graft.Weights;

/// <summary>
/// A catalog of weights entries for one builder (e.g. <c>SmallCnnWeights</c> for <c>small_cnn</c>): open, so users add
/// entries to Graft's catalogs or make catalogs of their own (a medical-imaging catalog for an existing builder) and
/// register them with <see cref="WeightsRegistry.Register"/>. Each catalog has a <see cref="DefaultEntry"/>.
/// Safe to use from several threads.
/// </summary>
public abstract class WeightsCatalog
{
    private readonly object _gate = new();
    private readonly List<WeightsEntry> _entries = [];
    private string? _default;

    /// <summary>Creates an empty catalog.</summary>
    /// <param name="name">The catalog's name, the first part of its entries' names (e.g. <c>SmallCnnWeights</c>).</param>
    /// <param name="builder">The builder whose modules the entries fit (e.g. <c>small_cnn</c>).</param>
    protected WeightsCatalog(string name, string builder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(builder);
        if (name.Contains('.')) throw new ArgumentException($"a catalog name cannot contain '.'; it is '{name}'.", nameof(name));
        Name = name;
        Builder = builder;
    }

    /// <summary>The catalog's name.</summary>
    public string Name { get; }

    /// <summary>The builder whose modules the entries fit.</summary>
    public string Builder { get; }

    /// <summary>The entries, in the order they were added.</summary>
    public IReadOnlyList<WeightsEntry> Entries
    {
        get
        {
            lock (_gate) return _entries.ToList();
        }
    }

    /// <summary>The default entry: the one marked default, else the first added; null when the catalog is empty.</summary>
    public WeightsEntry? DefaultEntry
    {
        get
        {
            lock (_gate) return _entries.FirstOrDefault(e => e.Tag == _default) ?? _entries.FirstOrDefault();
        }
    }

    /// <summary>The entry tagged <paramref name="tag"/> (e.g. <c>FashionMnistV1</c>; case does not matter), or <c>Default</c>.</summary>
    /// <exception cref="KeyNotFoundException">No such entry; the message lists the catalog's entries.</exception>
    public WeightsEntry GetEntry(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        lock (_gate)
        {
            if (string.Equals(tag, "Default", StringComparison.OrdinalIgnoreCase))
                return DefaultEntry ?? throw new KeyNotFoundException($"weights catalog {Name} is empty; it has no default.");
            return _entries.FirstOrDefault(e => string.Equals(e.Tag, tag, StringComparison.OrdinalIgnoreCase))
                ?? throw new KeyNotFoundException($"weights catalog {Name} has no entry '{tag}'. Its entries: {(_entries.Count == 0 ? "(none)" : string.Join(", ", _entries.Select(e => e.Tag)))}.");
        }
    }

    /// <summary>The entry with the best recorded <paramref name="metric"/> on <paramref name="dataset"/> (highest, or lowest when <paramref name="higherIsBetter"/> is false).</summary>
    /// <exception cref="KeyNotFoundException">No entry records that metric on that dataset.</exception>
    public WeightsEntry GetBestEntry(string metric, string dataset, bool higherIsBetter = true)
    {
        var scored = Entries.Select(e => (Entry: e, Value: e.Metadata.Metric(metric, dataset))).Where(x => x.Value is not null).ToList();
        if (scored.Count == 0)
            throw new KeyNotFoundException($"no entry of weights catalog {Name} records {metric} on {dataset}.");
        return (higherIsBetter ? scored.MaxBy(x => x.Value) : scored.MinBy(x => x.Value)).Entry;
    }

    /// <summary>Adds <paramref name="entry"/> (its name must be <c>{Name}.{Tag}</c>).</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="makeDefault">Make it the catalog's default.</param>
    /// <exception cref="ArgumentException">The name does not start with the catalog's, or the tag is taken.</exception>
    protected void AddEntry(WeightsEntry entry, bool makeDefault)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.CatalogName != Name)
            throw new ArgumentException($"entry {entry.Name} does not belong to catalog {Name}: name it {Name}.<Tag>.", nameof(entry));
        if (entry.Builder is not null && entry.Builder != Builder)
            throw new ArgumentException($"entry {entry.Name} is for builder '{entry.Builder}'; catalog {Name} holds weights for '{Builder}'.", nameof(entry));
        lock (_gate)
        {
            if (_entries.Any(e => string.Equals(e.Tag, entry.Tag, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"catalog {Name} already has an entry '{entry.Tag}'.", nameof(entry));
            _entries.Add(entry);
            if (makeDefault) _default = entry.Tag;
        }
    }
}

/// <summary>A catalog of entries for architecture <typeparamref name="TArchitecture"/>, returning typed entries.</summary>
/// <typeparam name="TArchitecture">The architecture's marker type (e.g. <c>SmallCnnWeights</c>).</typeparam>
/// <example><code>
/// var med = new WeightsCatalog&lt;ResNet8Weights&gt;("MedResNet8Weights", "resnet8");
/// med.Add(WeightsEntry&lt;ResNet8Weights&gt;.FromFile("mednist.safetensors", ResNet8Weights.Default) with { Name = "MedResNet8Weights.MedNistV1" });
/// WeightsRegistry.Register(med);
/// </code></example>
public sealed class WeightsCatalog<TArchitecture> : WeightsCatalog
{
    /// <summary>Creates an empty catalog.</summary>
    /// <param name="name">The catalog's name (the first part of its entries' names).</param>
    /// <param name="builder">The builder whose modules the entries fit.</param>
    public WeightsCatalog(string name, string builder) : base(name, builder) { }

    /// <summary>The default entry.</summary>
    /// <exception cref="KeyNotFoundException">The catalog is empty.</exception>
    public WeightsEntry<TArchitecture> Default => (WeightsEntry<TArchitecture>)GetEntry("Default");

    /// <summary>The entries, typed.</summary>
    public IReadOnlyList<WeightsEntry<TArchitecture>> TypedEntries => Entries.Cast<WeightsEntry<TArchitecture>>().ToList();

    /// <summary>The entry tagged <paramref name="tag"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such entry.</exception>
    public WeightsEntry<TArchitecture> Get(string tag) => (WeightsEntry<TArchitecture>)GetEntry(tag);

    /// <summary>The entry with the best recorded metric on a dataset.</summary>
    /// <exception cref="KeyNotFoundException">No entry records it.</exception>
    public WeightsEntry<TArchitecture> GetBest(string metric, string dataset, bool higherIsBetter = true) =>
        (WeightsEntry<TArchitecture>)GetBestEntry(metric, dataset, higherIsBetter);

    /// <summary>Adds an entry.</summary>
    /// <param name="entry">The entry, named <c>{Name}.{Tag}</c>.</param>
    /// <param name="makeDefault">Make it the default.</param>
    /// <exception cref="ArgumentException">The name does not fit or the tag is taken.</exception>
    public WeightsCatalog<TArchitecture> Add(WeightsEntry<TArchitecture> entry, bool makeDefault = false)
    {
        AddEntry(entry, makeDefault);
        return this;
    }
}
