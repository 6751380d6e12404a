using System.Reflection;

namespace Graft.Weights;

/// <summary>
/// Marks a public static property or field holding a <see cref="WeightsCatalog"/> so that
/// <see cref="WeightsRegistry.RegisterAssembly"/> registers it (Graft's own are registered on first use).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class WeightsCatalogAttribute : Attribute;

/// <summary>
/// Every registered weights catalog, looked up by entry name (<c>SmallCnnWeights.FashionMnistV1</c>, or a catalog name
/// for its default), by builder, or listed with filters. Graft's built-in catalogs are registered on first use.
/// (It is not called <c>Weights</c> because a type may not share its namespace's name.) Safe to use from several threads.
/// </summary>
/// <example><code>
/// var entry = WeightsRegistry.Get("SmallCnnWeights.FashionMnistV1");
/// var best = WeightsRegistry.List(builder: "resnet8").MaxBy(e => e.Metadata.Metric("accuracy", "fashion-mnist:test"));
/// </code></example>
public static class WeightsRegistry
{
    private static readonly object Gate = new();
    private static readonly List<WeightsCatalog> CatalogList = [];
    private static readonly HashSet<Assembly> Scanned = [];

    /// <summary>The registered catalogs, in registration order.</summary>
    public static IReadOnlyList<WeightsCatalog> Catalogs
    {
        get
        {
            EnsureBuiltIns();
            lock (Gate) return CatalogList.ToList();
        }
    }

    /// <summary>Registers <paramref name="catalog"/>; registering the same catalog again does nothing.</summary>
    /// <exception cref="ArgumentException">Another catalog has that name.</exception>
    public static void Register(WeightsCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        lock (Gate)
        {
            if (CatalogList.Contains(catalog)) return;
            if (CatalogList.Any(c => string.Equals(c.Name, catalog.Name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"a weights catalog named {catalog.Name} is already registered.", nameof(catalog));
            CatalogList.Add(catalog);
        }
    }

    /// <summary>Registers every public static property or field of <paramref name="assembly"/> marked <see cref="WeightsCatalogAttribute"/>. Scanning again does nothing.</summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        // The whole scan holds the lock (it is re-entrant), so no reader sees an assembly half registered.
        lock (Gate)
        {
            if (!Scanned.Add(assembly)) return;
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types.Where(t => t is not null).ToArray()!;
            }

            foreach (var type in types) RegisterType(type);
        }
    }

    private static void RegisterType(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var member in type.GetMembers(flags).Where(m => m.IsDefined(typeof(WeightsCatalogAttribute))))
        {
            var value = member switch
            {
                PropertyInfo p => p.GetValue(null),
                FieldInfo f => f.GetValue(null),
                _ => null,
            };
            if (value is WeightsCatalog catalog) Register(catalog);
        }
    }

    /// <summary>The catalog named <paramref name="name"/> (case does not matter), or null.</summary>
    public static WeightsCatalog? FindCatalog(string name) =>
        Catalogs.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry named <paramref name="name"/>: <c>Catalog.Tag</c>, or <c>Catalog</c> / <c>Catalog.Default</c> for a catalog's default.</summary>
    /// <exception cref="KeyNotFoundException">No such entry; the closest names are suggested.</exception>
    public static WeightsEntry Get(string name) =>
        TryGet(name) ?? throw new KeyNotFoundException(NotFound(name));

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public static WeightsEntry? TryGet(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.LastIndexOf('.');
        var catalog = FindCatalog(dot < 0 ? name : name[..dot]);
        if (catalog is null) return null;
        if (dot < 0) return catalog.DefaultEntry;
        try
        {
            return catalog.GetEntry(name[(dot + 1)..]);
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The catalogs whose entries fit builder <paramref name="builder"/> (e.g. <c>resnet8</c>).</summary>
    public static IReadOnlyList<WeightsCatalog> For(string builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return Catalogs.Where(c => string.Equals(c.Builder, builder, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>Every registered entry that passes the filters (all when none is given), catalog by catalog.</summary>
    /// <param name="builder">Only entries for this builder.</param>
    /// <param name="tag">Only entries with this tag in their metadata.</param>
    /// <param name="dataset">Only entries with a metric recorded on this dataset.</param>
    /// <param name="name">Only entries whose name contains this text (case does not matter).</param>
    public static IReadOnlyList<WeightsEntry> List(string? builder = null, string? tag = null, string? dataset = null, string? name = null) =>
        Catalogs.Where(c => builder is null || string.Equals(c.Builder, builder, StringComparison.OrdinalIgnoreCase))
            .SelectMany(c => c.Entries)
            .Where(e => tag is null || e.Metadata.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
            .Where(e => dataset is null || e.Metadata.Metrics.Any(m => string.Equals(m.Dataset, dataset, StringComparison.OrdinalIgnoreCase)))
            .Where(e => name is null || e.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
            .ToList();

    internal static string NotFound(string name)
    {
        var all = Catalogs.SelectMany(c => c.Entries.Select(e => e.Name)).ToList();
        var close = all.OrderBy(n => Distance(n.ToLowerInvariant(), name.ToLowerInvariant())).Take(3).ToList();
        return $"no weights entry named '{name}'." + (close.Count > 0 ? $" Did you mean {string.Join(" or ", close.Select(c => "'" + c + "'"))}?" : " No catalogs are registered.")
               + " `graft weights list` lists them.";
    }

    private static void EnsureBuiltIns() => RegisterAssembly(typeof(WeightsRegistry).Assembly);

    private static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) d[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int prev = d[0];
            d[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }

        return d[b.Length];
    }
}
