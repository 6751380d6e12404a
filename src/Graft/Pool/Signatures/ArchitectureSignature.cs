using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Graft.Pool.Signatures;

/// <summary>One tensor of a layer: its name within the layer (<c>weight</c>, <c>running_mean</c>) and its shape.</summary>
/// <param name="Name">The tensor's name within its layer.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="IsBuffer">Whether it is a buffer (batch-norm statistics) rather than a parameter.</param>
public sealed record LayerTensor(string Name, long[] Shape, bool IsBuffer)
{
    /// <summary>The shape as text, e.g. <c>[32, 1, 3, 3]</c>.</summary>
    [JsonIgnore]
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>One parametrised layer of a model, as the trace met it.</summary>
/// <param name="Path">The layer's name in the model's state dictionary (<c>features.0</c>); empty for the root.</param>
/// <param name="Type">The layer's type (<c>Conv2d</c>, <c>Linear</c>, <c>BatchNorm2d</c>, or a custom module's class).</param>
/// <param name="Tensors">Its own parameters and buffers (not those of its children), in the module's order.</param>
/// <param name="Traced">Whether the forward pass reached it (false: appended in registration order because a parent called it without <c>call()</c>, or it was not used).</param>
public sealed record SignatureLayer(string Path, string Type, IReadOnlyList<LayerTensor> Tensors, bool Traced = true)
{
    /// <summary>The path of the residual block the layer belongs to (the nearest enclosing module whose type name contains <c>Residual</c>), or null.</summary>
    public string? ResidualBlock { get; init; }

    /// <summary>The state-dictionary key of one of its tensors.</summary>
    public string Key(string tensor) => Path.Length == 0 ? tensor : Path + "." + tensor;

    /// <summary>The shape of its <c>weight</c> (or its first tensor).</summary>
    [JsonIgnore]
    public long[] WeightShape => (Tensors.FirstOrDefault(t => t.Name == "weight") ?? Tensors[0]).Shape;

    /// <summary>The layer in one line, e.g. <c>features.0 Conv2d [32, 1, 3, 3]</c>.</summary>
    public override string ToString() => $"{(Path.Length == 0 ? "(root)" : Path)} {Type} {string.Join(" ", Tensors.Where(t => !t.IsBuffer).Select(t => t.ShapeText))}";
}

/// <summary>
/// A model's architecture as a pool sees it: its parametrised layers in the order one forward pass executes them,
/// with types and shapes. Traced by forward hooks, so it works for any module — <c>Sequential</c> models, custom
/// subclasses with fields, residual networks — not only for lists of layers. Two hashes index it: <see cref="Hash"/>
/// (types and shapes: the same architecture) and <see cref="FamilyHash"/> (types only: the same layers in other sizes).
/// </summary>
public sealed record ArchitectureSignature(IReadOnlyList<SignatureLayer> Layers)
{
    /// <summary>The SHA-256 of the layer types and tensor shapes in order: equal for the same architecture.</summary>
    public string Hash => Digest(string.Join("\n", Layers.Select(l => l.Type + " " + string.Join(" ", l.Tensors.Select(t => t.Name + t.ShapeText)))));

    /// <summary>The SHA-256 of the layer types in order: equal for architectures that differ only in sizes (widths, classes, channels).</summary>
    public string FamilyHash => Digest(string.Join("\n", Layers.Select(l => l.Type + " " + string.Join(" ", l.Tensors.Select(t => t.Name + "/" + t.Shape.Length)))));

    /// <summary>The number of parameter elements over all layers (buffers excluded).</summary>
    public long ParameterCount => Layers.Sum(l => l.Tensors.Where(t => !t.IsBuffer).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b)));

    /// <summary>
    /// Traces <paramref name="model"/> with one forward pass on <paramref name="sample"/> (a batch; evaluation mode, no
    /// gradients, the model's mode restored afterwards).
    /// </summary>
    /// <param name="model">Any module from one tensor to one tensor.</param>
    /// <param name="sample">An input batch (one or a few samples are enough).</param>
    public static ArchitectureSignature Trace(nn.Module<Tensor, Tensor> model, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        var named = new List<(string Path, nn.Module Module)> { ("", model) };
        named.AddRange(model.named_modules().Select(m => (m.name, m.module)));
        var withTensors = named.Where(m => OwnTensors(m.Module).Count > 0).ToList();
        var pathOf = new Dictionary<nn.Module, string>(ReferenceEqualityComparer.Instance);
        foreach (var (path, module) in withTensors) pathOf.TryAdd(module, path);

        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var removers = new List<Action>();
        // Pre-hooks record the order in which layers start: for a leaf layer that is its execution order, and a parent
        // holding tensors of its own is placed before its children, as it owns their context.
        foreach (var (path, module) in withTensors)
            if (RegisterPreHook(module, m =>
                {
                    if (pathOf.TryGetValue(m, out var p) && seen.Add(p)) order.Add(p);
                }) is { } remove)
                removers.Add(remove);

        bool training = model.training;
        try
        {
            model.eval();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.call(sample);
        }
        finally
        {
            foreach (var remove in removers) remove();
            model.train(training);
        }

        var layers = new List<SignatureLayer>();
        var byPath = withTensors.ToDictionary(m => m.Path, m => m.Module, StringComparer.Ordinal);
        var typeOf = named.GroupBy(m => m.Path).ToDictionary(g => g.Key, g => g.First().Module.GetType().Name, StringComparer.Ordinal);
        foreach (var path in order) layers.Add(Describe(path, byPath[path], traced: true) with { ResidualBlock = EnclosingResidual(path, typeOf) });
        foreach (var (path, module) in withTensors)
            if (!seen.Contains(path)) layers.Add(Describe(path, module, traced: false) with { ResidualBlock = EnclosingResidual(path, typeOf) });
        return new ArchitectureSignature(layers);
    }

    /// <summary>The layers as lines, one per layer.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Layers);

    private static string? EnclosingResidual(string path, IReadOnlyDictionary<string, string> typeOf)
    {
        for (int dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
        {
            var parent = path[..dot];
            if (typeOf.TryGetValue(parent, out var type) && type.Contains("Residual", StringComparison.Ordinal)) return parent;
        }

        return null;
    }

    private static SignatureLayer Describe(string path, nn.Module module, bool traced) =>
        new(path, module.GetType().Name, OwnTensors(module), traced);

    private static List<LayerTensor> OwnTensors(nn.Module module)
    {
        var tensors = new List<LayerTensor>();
        foreach (var (name, p) in module.named_parameters(recurse: false)) tensors.Add(new LayerTensor(name, p.shape, false));
        foreach (var (name, b) in module.named_buffers(recurse: false)) tensors.Add(new LayerTensor(name, b.shape, true));
        return tensors;
    }

    /// <summary>Registers a pre-forward hook on any hookable module (TorchSharp's hook types are generic per module kind).</summary>
    private static Action? RegisterPreHook(nn.Module module, Action<nn.Module> hook)
    {
        for (var type = module.GetType(); type is not null; type = type.BaseType)
        {
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(nn.HookableModule<,>)) continue;
            var register = type.GetMethod("register_forward_pre_hook", BindingFlags.Public | BindingFlags.Instance, [typeof(Action<nn.Module>)]);
            var remover = register?.Invoke(module, [hook]);
            var remove = remover?.GetType().GetMethod("remove", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
            return remove is null ? null : () => remove.Invoke(remover, null);
        }

        return null;
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
