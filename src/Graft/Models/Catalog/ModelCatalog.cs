using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Catalog;

/// <summary>
/// The builders run files name in <c>models[].builder</c>, and the listing of builders and losses. Builders take
/// their sizes from the data (<see cref="ModelShapes"/>) and their other arguments from <c>models[].args</c>.
/// Builders are registered with <see cref="ModelBuilderAttribute"/> on a static factory method (Graft's own are found
/// on first use; call <see cref="RegisterAssembly"/> for yours) or with <see cref="Register"/>. Safe to use from several threads.
/// </summary>
public static class ModelCatalog
{
    /// <summary>The registered builder names, in order.</summary>
    public static IReadOnlyList<string> Names => CatalogRegistry.Names(CatalogEntryKind.Builder);

    /// <summary>Builds model <paramref name="builder"/> with <paramref name="args"/> for data of <paramref name="shapes"/>.</summary>
    /// <param name="builder">A registered builder name (case does not matter).</param>
    /// <param name="args">
    /// The builder's arguments by name, as run files give them: text, or lists of text (typed values work too).
    /// Null means none.
    /// </param>
    /// <param name="shapes">The data's shapes, passed to the builder's <see cref="ModelShapes"/> parameter.</param>
    /// <exception cref="ModelArgumentException">
    /// Unknown builder (the closest name is suggested), unknown argument (the known ones are listed and the closest is
    /// suggested), a value of the wrong type, a missing required argument, or a value the builder refused.
    /// </exception>
    public static BuiltModel Create(string builder, IReadOnlyDictionary<string, object>? args, ModelShapes shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var factory = CatalogRegistry.Get(CatalogEntryKind.Builder, builder);
        var module = (nn.Module)factory.Invoke(args, shapes);
        try
        {
            return BuiltModel.Wrap(factory.Name, module, factory.Outputs);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>Builds a model that maps one tensor to one tensor (what single-input training needs).</summary>
    /// <exception cref="ModelArgumentException">As for <see cref="Create"/>, or the builder makes a model of another signature.</exception>
    public static nn.Module<Tensor, Tensor> CreateModule(string builder, IReadOnlyDictionary<string, object>? args, ModelShapes shapes)
    {
        var built = Create(builder, args, shapes);
        if (built.Module is nn.Module<Tensor, Tensor> module) return module;
        built.Dispose();
        throw new ModelArgumentException(CatalogEntryKind.Builder, built.Builder, null,
            $"it makes a model {built.Signature}; a model from one tensor to one tensor is needed here.");
    }

    /// <summary>
    /// Registers a builder from a delegate, e.g. a lambda
    /// <c>(ModelShapes shapes, [Description("units")] int hidden = 32) =&gt; new MyNet(...)</c>: its parameters become
    /// the builder's arguments exactly as for <see cref="ModelBuilderAttribute"/> factories.
    /// </summary>
    /// <param name="name">The builder's name: lower-case letters, digits and underscores, starting with a letter.</param>
    /// <param name="factory">Returns an <see cref="nn.Module"/>.</param>
    /// <param name="description">What the builder makes, in one or two sentences.</param>
    /// <exception cref="ArgumentException">The name is invalid or taken, or the delegate's return or parameter types do not fit.</exception>
    public static void Register(string name, Delegate factory, string description)
    {
        ArgumentNullException.ThrowIfNull(name);
        CatalogRegistry.Add(CatalogFactory.FromDelegate(name, CatalogEntryKind.Builder, typeof(nn.Module), factory, description));
    }

    /// <summary>
    /// Registers every builder and loss of <paramref name="assembly"/> marked with <see cref="ModelBuilderAttribute"/> or
    /// <c>LossAttribute</c>. Scanning an assembly again does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">An attributed factory does not fit (the message names it), or a name is taken; then nothing of the assembly is registered.</exception>
    public static void RegisterAssembly(Assembly assembly) => CatalogRegistry.AddAssembly(assembly);

    /// <summary>The entry of builder <paramref name="builder"/>.</summary>
    /// <exception cref="ModelArgumentException">No such builder.</exception>
    public static CatalogEntry Describe(string builder) => CatalogRegistry.Get(CatalogEntryKind.Builder, builder).Entry;

    /// <summary>
    /// The registered builders and losses (metrics live in the training layer; <c>Graft.Runs.Catalog.RunCatalog.List</c>
    /// lists all three), builders first, each ordered by name.
    /// </summary>
    /// <param name="include">Comma-separated glob patterns (<c>*</c>, <c>?</c>; e.g. <c>resnet*</c>) of names to list; all when null.</param>
    /// <param name="exclude">Comma-separated glob patterns of names to leave out.</param>
    public static IReadOnlyList<CatalogEntry> List(string? include = null, string? exclude = null) =>
        CatalogRegistry.All(CatalogEntryKind.Builder).Concat(CatalogRegistry.All(CatalogEntryKind.Loss))
            .Select(f => f.Entry)
            .Where(e => CatalogNames.Matches(e.Name, include, exclude))
            .ToList();
}
