using System.Reflection;

namespace Graft.Models.Catalog;

/// <summary>
/// The registered builders and losses, by kind and name. Graft's own assembly is scanned for
/// <see cref="CatalogEntryAttribute"/>s on first use; other assemblies when asked. Safe to use from several threads.
/// </summary>
internal static class CatalogRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<(CatalogEntryKind Kind, string Name), CatalogFactory> Entries = new();
    private static readonly HashSet<Assembly> Scanned = new();

    /// <summary>Adds one factory; a second registration of the same factory under the same name does nothing.</summary>
    /// <exception cref="ArgumentException">Another factory already has the name.</exception>
    public static void Add(CatalogFactory factory)
    {
        lock (Gate)
        {
            ScanLocked(typeof(CatalogRegistry).Assembly);
            AddAllLocked([factory]);
        }
    }

    /// <summary>Registers every attributed factory of <paramref name="assembly"/> (once; later calls do nothing).</summary>
    public static void AddAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        lock (Gate)
        {
            ScanLocked(typeof(CatalogRegistry).Assembly);
            ScanLocked(assembly);
        }
    }

    /// <summary>The factory of <paramref name="kind"/> called <paramref name="name"/> (case and surrounding spaces do not matter).</summary>
    /// <exception cref="ModelArgumentException">No such name; the message suggests the closest and lists the known ones.</exception>
    public static CatalogFactory Get(CatalogEntryKind kind, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        lock (Gate)
        {
            ScanLocked(typeof(CatalogRegistry).Assembly);
            if (Entries.TryGetValue((kind, key), out var factory)) return factory;
        }

        var known = Names(kind);
        string plural = kind == CatalogEntryKind.Loss ? "losses" : CatalogEntry.KindText(kind) + "s";
        throw new ModelArgumentException(kind, name, null,
            $"unknown {CatalogEntry.KindText(kind)}.{CatalogNames.Suggestion(key, known)} Known {plural}: {string.Join(", ", known)}.");
    }

    /// <summary>The registered factories of <paramref name="kind"/>, ordered by name.</summary>
    public static IReadOnlyList<CatalogFactory> All(CatalogEntryKind kind)
    {
        lock (Gate)
        {
            ScanLocked(typeof(CatalogRegistry).Assembly);
            return Entries.Where(e => e.Key.Kind == kind).Select(e => e.Value).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The registered names of <paramref name="kind"/>, in order.</summary>
    public static IReadOnlyList<string> Names(CatalogEntryKind kind) => All(kind).Select(f => f.Name).ToList();

    private static void ScanLocked(Assembly assembly)
    {
        if (Scanned.Contains(assembly)) return;
        AddAllLocked(Discover(assembly));
        Scanned.Add(assembly);
    }

    /// <summary>Adds all or none: every name is checked before anything is added.</summary>
    private static void AddAllLocked(IReadOnlyList<CatalogFactory> factories)
    {
        var pending = new Dictionary<(CatalogEntryKind, string), CatalogFactory>();
        foreach (var f in factories)
        {
            var key = (f.Entry.Kind, f.Name);
            var holder = Entries.GetValueOrDefault(key) ?? pending.GetValueOrDefault(key);
            if (holder is not null && !Equals(holder.Identity, f.Identity))
                throw new ArgumentException(
                    $"The {CatalogEntry.KindText(f.Entry.Kind)} name '{f.Name}' is already registered by {holder.Source}; {f.Source} cannot take it too. Choose another name.");
            pending[key] = f;
        }

        foreach (var (key, f) in pending) Entries.TryAdd(key, f);
    }

    private static List<CatalogFactory> Discover(Assembly assembly)
    {
        var found = new List<CatalogFactory>();
        const BindingFlags members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in LoadableTypes(assembly))
        {
            if (type.IsDefined(typeof(CatalogEntryAttribute), false))
            {
                var constructors = type.GetConstructors();
                if (type.IsAbstract || constructors.Length != 1)
                    throw new ArgumentException(
                        $"{type.FullName} carries a catalog attribute, so it must be a concrete class with exactly one public constructor; it has {constructors.Length}{(type.IsAbstract ? " and is abstract" : "")}.");
                foreach (var a in type.GetCustomAttributes<CatalogEntryAttribute>(false))
                    found.Add(CatalogFactory.FromMember(a.Name, a.Kind, a.ResultType, constructors[0], a.Description, (a as ModelBuilderAttribute)?.Outputs));
            }

            foreach (var method in type.GetMethods(members))
            {
                if (!method.IsDefined(typeof(CatalogEntryAttribute), false)) continue;
                foreach (var a in method.GetCustomAttributes<CatalogEntryAttribute>(false))
                    found.Add(CatalogFactory.FromMember(a.Name, a.Kind, a.ResultType, method, a.Description, (a as ModelBuilderAttribute)?.Outputs));
            }
        }

        return found;
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}
