namespace Graft.Models.Catalog;

/// <summary>
/// Registers a static factory method, or a class through its one public constructor, in the catalog under
/// <see cref="Name"/>. The factory's parameters become the entry's arguments: their names in snake_case
/// (<c>labelSmoothing</c> is written <c>label_smoothing</c>), their C# defaults (or a
/// <see cref="System.ComponentModel.DefaultValueAttribute"/>, e.g. for arrays) as defaults, and a
/// <see cref="System.ComponentModel.DescriptionAttribute"/> as their description. Parameters without a default are required.
/// The attribute may be repeated to register aliases.
/// </summary>
public abstract class CatalogEntryAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The name run files use: lower-case letters, digits and underscores, starting with a letter.</param>
    private protected CatalogEntryAttribute(string name) => Name = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>The name run files use.</summary>
    public string Name { get; }

    /// <summary>What the entry is, in one or two sentences (a <see cref="System.ComponentModel.DescriptionAttribute"/> on the method or class is used when this is not set).</summary>
    public string? Description { get; set; }

    /// <summary>What the entry makes.</summary>
    internal abstract CatalogEntryKind Kind { get; }

    /// <summary>The type every factory of this kind must return.</summary>
    internal abstract Type ResultType { get; }
}

/// <summary>
/// Registers a model builder: a static method returning a <see cref="TorchSharp.torch.nn.Module"/> (or a module class,
/// through its public constructor). A parameter of type <see cref="ModelShapes"/> receives the data's shapes; the other
/// parameters are the builder's arguments.
/// </summary>
/// <example><code>
/// [ModelBuilder("tiny_mlp", Description = "One hidden layer.")]
/// public static nn.Module Create(ModelShapes shapes, [Description("hidden units")] int hidden = 32) => ...;
/// </code></example>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ModelBuilderAttribute : CatalogEntryAttribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The builder's name in run files.</param>
    public ModelBuilderAttribute(string name)
        : base(name)
    {
    }

    /// <summary>
    /// The output names of a module that returns a <c>Dictionary&lt;string, Tensor&gt;</c>, when known in advance
    /// (shown by <see cref="BuiltModel.OutputNames"/>). Not used for other modules.
    /// </summary>
    public string[]? Outputs { get; set; }

    /// <inheritdoc />
    internal override CatalogEntryKind Kind => CatalogEntryKind.Builder;

    /// <inheritdoc />
    internal override Type ResultType => typeof(TorchSharp.torch.nn.Module);
}
