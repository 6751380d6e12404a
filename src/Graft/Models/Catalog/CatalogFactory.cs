using System.ComponentModel;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Graft.Models.Catalog;

/// <summary>
/// One registered factory: its entry (name, description, arguments) and how to call it. Everything reflection has to
/// find out is found once, at registration; a call binds the arguments and invokes the factory.
/// </summary>
internal sealed class CatalogFactory
{
    private readonly Func<object?[], object?> invoke;
    private readonly Slot[] slots;

    /// <summary>Where a factory parameter's value comes from: the data's shapes, or argument <see cref="Index"/> of the entry.</summary>
    private readonly record struct Slot(bool Shapes, int Index, Type Type);

    private CatalogFactory(string name, CatalogEntryKind kind, string description, CatalogParameter[] parameters, Slot[] slots,
                           Func<object?[], object?> invoke, object identity, string source, IReadOnlyList<string>? outputs)
    {
        Entry = new CatalogEntry(name, kind, description, parameters);
        this.slots = slots;
        this.invoke = invoke;
        Identity = identity;
        Source = source;
        Outputs = outputs;
    }

    /// <summary>What the catalog lists for this factory.</summary>
    public CatalogEntry Entry { get; }

    /// <summary>The entry's name.</summary>
    public string Name => Entry.Name;

    /// <summary>What the factory is (the method, constructor or delegate), to recognise a second registration of the same factory.</summary>
    public object Identity { get; }

    /// <summary>The factory as messages name it, e.g. <c>Graft.Models.Catalog.BuiltInBuilders.SmallCnn</c>.</summary>
    public string Source { get; }

    /// <summary>Output names a builder declared (<see cref="ModelBuilderAttribute.Outputs"/>), or null.</summary>
    public IReadOnlyList<string>? Outputs { get; }

    /// <summary>A factory for a static method or a constructor.</summary>
    public static CatalogFactory FromMember(string name, CatalogEntryKind kind, Type resultType, MethodBase member, string? description, IReadOnlyList<string>? outputs)
    {
        string source = $"{member.DeclaringType?.FullName}.{(member is ConstructorInfo ? "ctor" : member.Name)}";
        Func<object?[], object?> invoke = member is ConstructorInfo ctor ? ctor.Invoke : args => member.Invoke(null, args);
        if (member is MethodInfo { IsStatic: false })
            throw new ArgumentException($"{source} is registered as {CatalogEntry.KindText(kind)} '{name}' but is not static; catalog factories are static methods or classes.");
        description ??= member.GetCustomAttribute<DescriptionAttribute>()?.Description
                        ?? (member is ConstructorInfo ? member.DeclaringType?.GetCustomAttribute<DescriptionAttribute>()?.Description : null);
        return Create(name, kind, resultType, member, invoke, member, source, description, outputs);
    }

    /// <summary>A factory for a delegate (a lambda or a method group).</summary>
    public static CatalogFactory FromDelegate(string name, CatalogEntryKind kind, Type resultType, Delegate factory, string? description)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var method = factory.Method;
        return Create(name, kind, resultType, method, factory.DynamicInvoke, factory, $"{method.DeclaringType?.FullName}.{method.Name}", description, null);
    }

    private static CatalogFactory Create(string name, CatalogEntryKind kind, Type resultType, MethodBase member, Func<object?[], object?> invoke,
                                         object identity, string source, string? description, IReadOnlyList<string>? outputs)
    {
        string what = $"{CatalogEntry.KindText(kind)} '{name}' ({source})";
        if (!CatalogNames.IsValid(name))
            throw new ArgumentException($"{what}: a name must start with a lower-case letter and hold only lower-case letters, digits and underscores.");
        if (member.ContainsGenericParameters)
            throw new ArgumentException($"{what}: generic factories cannot be registered.");
        var returned = member is MethodInfo m ? m.ReturnType : member.DeclaringType!;
        if (!resultType.IsAssignableFrom(returned))
            throw new ArgumentException($"{what}: a {CatalogEntry.KindText(kind)} factory must return {resultType.Name}; this one returns {returned.Name}.");

        var parameters = new List<CatalogParameter>();
        var slots = new List<Slot>();
        bool hasShapes = false;
        foreach (var p in member.GetParameters())
        {
            var type = p.ParameterType;
            if (type.IsByRef)
                throw new ArgumentException($"{what}: parameter '{p.Name}' is passed by reference; catalog factories take plain values.");
            if (type == typeof(ModelShapes) && kind == CatalogEntryKind.Builder)
            {
                if (hasShapes) throw new ArgumentException($"{what}: only one parameter may receive the model shapes.");
                hasShapes = true;
                slots.Add(new Slot(true, -1, type));
                continue;
            }

            var valueType = Nullable.GetUnderlyingType(type) ?? type;
            if (!ArgumentBinder.IsSupported(valueType))
                throw new ArgumentException(
                    $"{what}: parameter '{p.Name}' has type {type.Name}; arguments may be int, long, float, double, bool, string, an enum, or an array of these."
                    + (type == typeof(ModelShapes) ? " Only builders receive model shapes." : ""));
            string argName = CatalogNames.ToSnakeCase(p.Name ?? $"arg{p.Position}");
            if (parameters.Any(q => q.Name == argName))
                throw new ArgumentException($"{what}: two parameters are both called '{argName}' in snake_case.");

            object? defaultValue = null;
            bool hasDefault = false;
            if (p.GetCustomAttribute<DefaultValueAttribute>() is { } attribute)
            {
                hasDefault = true;
                if (attribute.Value is not null)
                {
                    if (!ArgumentBinder.TryConvert(attribute.Value, valueType, out defaultValue, out var error))
                        throw new ArgumentException($"{what}: the [DefaultValue] of parameter '{p.Name}' does not fit its type: {error}");
                }
            }
            else if (p.HasDefaultValue)
            {
                hasDefault = true;
                defaultValue = p.DefaultValue is null or DBNull ? null
                    : valueType.IsEnum ? Enum.ToObject(valueType, p.DefaultValue)
                    : p.DefaultValue;
            }

            string text = p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "";
            slots.Add(new Slot(false, parameters.Count, valueType));
            parameters.Add(new CatalogParameter(argName, valueType, defaultValue, !hasDefault, text));
        }

        return new CatalogFactory(name, kind, description ?? "", parameters.ToArray(), slots.ToArray(), invoke, identity, source, outputs);
    }

    /// <summary>Binds <paramref name="args"/> to the factory's parameters and calls it.</summary>
    /// <exception cref="ModelArgumentException">An argument is unknown, missing or of the wrong type, or the factory refused a value.</exception>
    public object Invoke(IReadOnlyDictionary<string, object>? args, ModelShapes? shapes)
    {
        var kind = Entry.Kind;
        var parameters = Entry.Parameters;
        var values = new object?[parameters.Count];
        var given = new bool[parameters.Count];
        if (args is not null)
        {
            foreach (var (rawKey, value) in args)
            {
                string key = rawKey.Trim();
                int index = -1;
                for (int i = 0; i < parameters.Count; i++)
                    if (parameters[i].Name == key) index = i;
                if (index < 0)
                {
                    var names = parameters.Select(p => p.Name).ToList();
                    string takes = names.Count == 0 ? $"'{Name}' takes no arguments." : $"'{Name}' takes: {string.Join(", ", names)}.";
                    throw new ModelArgumentException(kind, Name, rawKey, $"unknown argument. {takes}{CatalogNames.Suggestion(key, names)}");
                }

                if (!ArgumentBinder.TryConvert(value, parameters[index].Type, out values[index], out var error))
                    throw new ModelArgumentException(kind, Name, key, error);
                given[index] = true;
            }
        }

        for (int i = 0; i < parameters.Count; i++)
        {
            if (given[i]) continue;
            var p = parameters[i];
            if (p.Required)
            {
                string about = p.Description.Length > 0 ? $" ({p.Description})" : "";
                throw new ModelArgumentException(kind, Name, p.Name, $"missing required argument: give {ArgumentBinder.What(p.Type)}{about}.");
            }

            values[i] = ArgumentBinder.Fresh(p.Default);
        }

        var call = new object?[slots.Length];
        for (int i = 0; i < slots.Length; i++)
            call[i] = slots[i].Shapes ? shapes : values[slots[i].Index];
        object? result;
        try
        {
            result = invoke(call);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            if (e.InnerException is ArgumentException inner and not ModelArgumentException)
                throw new ModelArgumentException(kind, Name, null, WithoutParameterName(inner));
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }

        return result ?? throw new InvalidOperationException($"The factory of {CatalogEntry.KindText(kind)} '{Name}' ({Source}) returned null.");
    }

    /// <summary>The exception's message without the " (Parameter 'x')" that <see cref="ArgumentException"/> appends: the message already names the argument in run-file terms.</summary>
    private static string WithoutParameterName(ArgumentException e)
    {
        string suffix = $" (Parameter '{e.ParamName}')";
        return e.ParamName is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }
}
