using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Catalog;

/// <summary>
/// A model made by a builder, with a uniform way to run it: <see cref="Forward"/> takes the inputs in order and returns
/// the outputs by name. Modules that map one tensor to one tensor give the output <c>output</c>; modules with several
/// tensor inputs (up to six) are called with them in order; a module returning a tuple of tensors gives
/// <c>output_0</c>, <c>output_1</c>, ...; a module returning a <c>Dictionary&lt;string, Tensor&gt;</c> gives its keys.
/// How to call the module is worked out once, from its generic base type, when the model is built.
/// Disposing the model disposes the module.
/// </summary>
public sealed record BuiltModel : IDisposable
{
    private readonly Func<IReadOnlyList<Tensor>, IReadOnlyDictionary<string, Tensor>> forward;

    private BuiltModel(string builder, nn.Module module, int inputCount, IReadOnlyList<string> outputNames,
                       Func<IReadOnlyList<Tensor>, IReadOnlyDictionary<string, Tensor>> forward)
    {
        Builder = builder;
        Module = module;
        InputCount = inputCount;
        OutputNames = outputNames;
        this.forward = forward;
    }

    /// <summary>The builder that made the model.</summary>
    public string Builder { get; }

    /// <summary>The module (its parameters, state and training mode).</summary>
    public nn.Module Module { get; }

    /// <summary>How many tensors <see cref="Forward"/> takes.</summary>
    public int InputCount { get; }

    /// <summary>
    /// The names of the outputs <see cref="Forward"/> returns. For a module returning a dictionary these are the names
    /// its builder declared (<see cref="ModelBuilderAttribute.Outputs"/>), or empty when it declared none.
    /// </summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Runs the module (through <c>call</c>, so hooks fire) on <paramref name="inputs"/>, in order.</summary>
    /// <exception cref="ArgumentException">The number of inputs is not <see cref="InputCount"/>.</exception>
    public IReadOnlyDictionary<string, Tensor> Forward(IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != InputCount)
            throw new ArgumentException($"The model built by '{Builder}' takes {InputCount} input{(InputCount == 1 ? "" : "s")}; {inputs.Count} were given.", nameof(inputs));
        return forward(inputs);
    }

    /// <summary>The module as a one-tensor-in, one-tensor-out module.</summary>
    /// <exception cref="InvalidOperationException">The module has another signature; the message says which.</exception>
    public nn.Module<Tensor, Tensor> AsTensorModule() =>
        Module as nn.Module<Tensor, Tensor>
        ?? throw new InvalidOperationException($"The model built by '{Builder}' goes {Signature}, not from one tensor to one tensor.");

    /// <summary>Disposes the module.</summary>
    public void Dispose() => Module.Dispose();

    /// <summary>The model's signature in words, e.g. "from 2 tensors to one tensor".</summary>
    internal string Signature
    {
        get
        {
            string inputs = InputCount == 1 ? "one tensor" : $"{InputCount} tensors";
            string outputs = OutputNames.Count == 0 ? "named tensors"
                : OutputNames is ["output"] ? "one tensor"
                : $"{OutputNames.Count} tensors ({string.Join(", ", OutputNames)})";
            return $"from {inputs} to {outputs}";
        }
    }

    /// <summary>Wraps <paramref name="module"/>, choosing how to call it from its generic <c>nn.Module&lt;..., TResult&gt;</c> base type.</summary>
    /// <exception cref="ModelArgumentException">The module does not take tensors or does not return a tensor, a tuple of tensors or a dictionary of tensors.</exception>
    internal static BuiltModel Wrap(string builder, nn.Module module, IReadOnlyList<string>? declaredOutputs)
    {
        ArgumentNullException.ThrowIfNull(module);
        var generic = ModuleBase(module.GetType())
                      ?? throw new ModelArgumentException(CatalogEntryKind.Builder, builder, null, $"the builder returned a {module.GetType().Name}, which is not an nn.Module<..., TResult> with tensor inputs; the catalog cannot call it.");
        var types = generic.GetGenericArguments();
        var inputs = types[..^1];
        var result = types[^1];
        if (inputs.Any(t => t != typeof(Tensor)))
            throw new ModelArgumentException(CatalogEntryKind.Builder, builder, null, $"the module {module.GetType().Name} takes ({string.Join(", ", inputs.Select(t => t.Name))}); the catalog passes tensors only.");

        var (names, shape) = Outputs(builder, module, result, declaredOutputs);
        var caller = typeof(BuiltModel).GetMethod($"Call{inputs.Length}", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(result);
        var call = (Func<IReadOnlyList<Tensor>, object?>)caller.Invoke(null, [module])!;
        return new BuiltModel(builder, module, inputs.Length, names, xs => shape(call(xs)));
    }

    private static Type? ModuleBase(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (!type.IsGenericType) continue;
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(nn.Module<,>) || definition == typeof(nn.Module<,,>) || definition == typeof(nn.Module<,,,>)
                || definition == typeof(nn.Module<,,,,>) || definition == typeof(nn.Module<,,,,,>) || definition == typeof(nn.Module<,,,,,,>))
                return type;
        }

        return null;
    }

    private static (IReadOnlyList<string> Names, Func<object?, IReadOnlyDictionary<string, Tensor>> Shape) Outputs(
        string builder, nn.Module module, Type result, IReadOnlyList<string>? declared)
    {
        if (result == typeof(Tensor))
            return (["output"], r => new Dictionary<string, Tensor> { ["output"] = (Tensor)r! });
        if (typeof(ITuple).IsAssignableFrom(result) && result.IsGenericType && result.GetGenericArguments().All(t => t == typeof(Tensor)))
        {
            var names = Enumerable.Range(0, result.GetGenericArguments().Length).Select(i => $"output_{i}").ToArray();
            return (names, r =>
            {
                var tuple = (ITuple)r!;
                var outputs = new Dictionary<string, Tensor>(names.Length);
                for (int i = 0; i < names.Length; i++) outputs[names[i]] = (Tensor)tuple[i]!;
                return outputs;
            });
        }

        if (typeof(IReadOnlyDictionary<string, Tensor>).IsAssignableFrom(result))
            return (declared?.ToArray() ?? [], r => (IReadOnlyDictionary<string, Tensor>)r!);
        throw new ModelArgumentException(CatalogEntryKind.Builder, builder, null,
            $"the module {module.GetType().Name} returns {result.Name}; the catalog understands a Tensor, a tuple of Tensors or a Dictionary<string, Tensor>.");
    }

    // One closed helper per input count, chosen once in Wrap: the per-call path is a plain virtual call.
    private static Func<IReadOnlyList<Tensor>, object?> Call1<TResult>(nn.Module m)
    {
        var module = (nn.Module<Tensor, TResult>)m;
        return xs => module.call(xs[0]);
    }

    private static Func<IReadOnlyList<Tensor>, object?> Call2<TResult>(nn.Module m)
    {
        var module = (nn.Module<Tensor, Tensor, TResult>)m;
        return xs => module.call(xs[0], xs[1]);
    }

    private static Func<IReadOnlyList<Tensor>, object?> Call3<TResult>(nn.Module m)
    {
        var module = (nn.Module<Tensor, Tensor, Tensor, TResult>)m;
        return xs => module.call(xs[0], xs[1], xs[2]);
    }

    private static Func<IReadOnlyList<Tensor>, object?> Call4<TResult>(nn.Module m)
    {
        var module = (nn.Module<Tensor, Tensor, Tensor, Tensor, TResult>)m;
        return xs => module.call(xs[0], xs[1], xs[2], xs[3]);
    }

    private static Func<IReadOnlyList<Tensor>, object?> Call5<TResult>(nn.Module m)
    {
        var module = (nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, TResult>)m;
        return xs => module.call(xs[0], xs[1], xs[2], xs[3], xs[4]);
    }

    private static Func<IReadOnlyList<Tensor>, object?> Call6<TResult>(nn.Module m)
    {
        var module = (nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, TResult>)m;
        return xs => module.call(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]);
    }
}
