using Graft.Models.Catalog;

namespace Graft.Models.Losses;

/// <summary>
/// Registers a loss: a static method returning an <see cref="ILoss"/>, or a class implementing it through its one
/// public constructor. The parameters become the loss's arguments (see <see cref="CatalogEntryAttribute"/>).
/// Repeat the attribute to register aliases.
/// </summary>
/// <example><code>
/// [Loss("hinge", Description = "Hinge loss for ±1 targets.")]
/// public sealed class Hinge([Description("the margin")] double margin = 1) : ILoss { ... }
/// </code></example>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LossAttribute : CatalogEntryAttribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The loss's name in run files.</param>
    public LossAttribute(string name)
        : base(name)
    {
    }

    /// <inheritdoc />
    internal override CatalogEntryKind Kind => CatalogEntryKind.Loss;

    /// <inheritdoc />
    internal override Type ResultType => typeof(ILoss);
}
