using System.Reflection;
using Graft.Models.Catalog;

namespace Graft.Models.Losses;

/// <summary>
/// Creates losses by name, for run files and code. Built-in: <c>cross_entropy</c>, <c>binary_cross_entropy</c>,
/// <c>mse</c>, <c>l1</c> (also <c>mae</c>), <c>smooth_l1</c>, <c>kl_divergence</c> (also <c>distillation</c>).
/// Register your own with <see cref="LossAttribute"/> and <see cref="RegisterAssembly"/>, or with <see cref="Register"/>.
/// Safe to use from several threads.
/// </summary>
public static class LossCatalog
{
    /// <summary>The registered loss names, in order.</summary>
    public static IReadOnlyList<string> Names => CatalogRegistry.Names(CatalogEntryKind.Loss);

    /// <summary>Creates loss <paramref name="name"/> with <paramref name="args"/>.</summary>
    /// <param name="name">A registered loss name (case does not matter).</param>
    /// <param name="args">Its arguments by name, as run files give them (text or lists of text; typed values work too); null means none.</param>
    /// <exception cref="ModelArgumentException">Unknown loss or argument (with the closest name suggested), a value of the wrong type, a missing required argument, or a value the loss refused.</exception>
    public static ILoss Create(string name, IReadOnlyDictionary<string, object>? args = null) =>
        (ILoss)CatalogRegistry.Get(CatalogEntryKind.Loss, name).Invoke(args, null);

    /// <summary>Registers a loss from a delegate returning an <see cref="ILoss"/>; its parameters become the loss's arguments.</summary>
    /// <param name="name">The loss's name: lower-case letters, digits and underscores, starting with a letter.</param>
    /// <param name="factory">Returns an <see cref="ILoss"/>.</param>
    /// <param name="description">What the loss measures, in one or two sentences.</param>
    /// <exception cref="ArgumentException">The name is invalid or taken, or the delegate's return or parameter types do not fit.</exception>
    public static void Register(string name, Delegate factory, string description)
    {
        ArgumentNullException.ThrowIfNull(name);
        CatalogRegistry.Add(CatalogFactory.FromDelegate(name, CatalogEntryKind.Loss, typeof(ILoss), factory, description));
    }

    /// <summary>Registers every builder and loss of <paramref name="assembly"/> (the same as <see cref="ModelCatalog.RegisterAssembly"/>).</summary>
    public static void RegisterAssembly(Assembly assembly) => CatalogRegistry.AddAssembly(assembly);

    /// <summary>The entry of loss <paramref name="name"/>.</summary>
    /// <exception cref="ModelArgumentException">No such loss.</exception>
    public static CatalogEntry Describe(string name) => CatalogRegistry.Get(CatalogEntryKind.Loss, name).Entry;

    /// <summary>The registered losses, ordered by name.</summary>
    /// <param name="include">Comma-separated glob patterns (<c>*</c>, <c>?</c>) of names to list; all when null.</param>
    /// <param name="exclude">Comma-separated glob patterns of names to leave out.</param>
    public static IReadOnlyList<CatalogEntry> List(string? include = null, string? exclude = null) =>
        CatalogRegistry.All(CatalogEntryKind.Loss).Select(f => f.Entry).Where(e => CatalogNames.Matches(e.Name, include, exclude)).ToList();
}
