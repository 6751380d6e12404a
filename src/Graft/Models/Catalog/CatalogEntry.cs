using System.Globalization;
using System.Text.Json.Nodes;

namespace Graft.Models.Catalog;

/// <summary>What a catalog entry makes.</summary>
public enum CatalogEntryKind
{
    /// <summary>A model builder (<c>models[].builder</c> in run files).</summary>
    Builder,

    /// <summary>A loss (<c>models[].losses</c>).</summary>
    Loss,

    /// <summary>A metric (<c>models[].metrics</c>).</summary>
    Metric,
}

/// <summary>One builder, loss or metric that run files can name, with the arguments it takes.</summary>
/// <param name="Name">The name run files use.</param>
/// <param name="Kind">What the entry makes.</param>
/// <param name="Description">One or two sentences on what it is.</param>
/// <param name="Parameters">The arguments it takes, in declaration order.</param>
public sealed record CatalogEntry(string Name, CatalogEntryKind Kind, string Description, IReadOnlyList<CatalogParameter> Parameters)
{
    /// <summary>
    /// A JSON Schema fragment for this entry's <c>args</c> object: every parameter as a typed property with its default
    /// and description, the required ones listed, and no other property allowed.
    /// </summary>
    public JsonObject ToJsonSchema()
    {
        var properties = new JsonObject();
        foreach (var p in Parameters) properties[p.Name] = p.ToJsonSchema();
        var schema = new JsonObject
        {
            ["title"] = Name,
            ["description"] = Description,
            ["type"] = "object",
            ["properties"] = properties,
        };
        var required = Parameters.Where(p => p.Required).Select(p => (JsonNode?)JsonValue.Create(p.Name)).ToArray();
        if (required.Length > 0) schema["required"] = new JsonArray(required);
        schema["additionalProperties"] = false;
        return schema;
    }

    /// <summary>The kind as messages write it: builder, loss or metric.</summary>
    internal static string KindText(CatalogEntryKind kind) => kind switch
    {
        CatalogEntryKind.Builder => "builder",
        CatalogEntryKind.Loss => "loss",
        _ => "metric",
    };
}

/// <summary>One argument of a catalog entry.</summary>
/// <param name="Name">The name run files use (snake_case).</param>
/// <param name="Type">
/// The value's type: <see cref="int"/>, <see cref="long"/>, <see cref="float"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="string"/>, an enum, or a one-dimensional array of one of these.
/// </param>
/// <param name="Default">The value used when the argument is left out (null when there is none).</param>
/// <param name="Required">Whether the argument must be given.</param>
/// <param name="Description">What the argument does (empty when undocumented).</param>
public sealed record CatalogParameter(string Name, Type Type, object? Default, bool Required, string Description)
{
    /// <summary>The type as the listing shows it: <c>int</c>, <c>double</c>, <c>bool</c>, <c>string</c>, <c>int[]</c>, or the choices of an enum such as <c>mean|sum</c>.</summary>
    public string TypeName => TypeText(Type);

    /// <summary>The values an enum argument accepts, as run files write them; null for other types.</summary>
    public IReadOnlyList<string>? Choices => Choice(Type) is { } e ? ArgumentBinder.EnumNames(e) : null;

    /// <summary>The default as a run file would write it (<c>32</c>, <c>0.25</c>, <c>[64, 32]</c>, <c>true</c>, <c>mean</c>); empty when there is none.</summary>
    public string DefaultText => Default is null ? "" : ArgumentBinder.Format(Default);

    /// <summary>A JSON Schema fragment for this argument's value: its JSON type, enum choices, default and description.</summary>
    public JsonObject ToJsonSchema()
    {
        var schema = TypeSchema(Type);
        if (Default is not null) schema["default"] = ToJson(Default);
        if (Description.Length > 0) schema["description"] = Description;
        return schema;
    }

    private static Type? Choice(Type type) => type.IsArray ? Choice(type.GetElementType()!) : type.IsEnum ? type : null;

    private static string TypeText(Type type)
    {
        if (type.IsArray) return TypeText(type.GetElementType()!) + "[]";
        if (type.IsEnum) return string.Join("|", ArgumentBinder.EnumNames(type));
        return type == typeof(int) ? "int" : type == typeof(long) ? "long" : type == typeof(float) ? "float"
            : type == typeof(double) ? "double" : type == typeof(bool) ? "bool" : type == typeof(string) ? "string" : type.Name;
    }

    private static JsonObject TypeSchema(Type type)
    {
        if (type.IsArray) return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(type.GetElementType()!) };
        if (type.IsEnum)
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(ArgumentBinder.EnumNames(type).Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()) };
        string json = type == typeof(int) || type == typeof(long) ? "integer"
            : type == typeof(float) || type == typeof(double) ? "number"
            : type == typeof(bool) ? "boolean" : "string";
        return new JsonObject { ["type"] = json };
    }

    private static JsonNode? ToJson(object value) => value switch
    {
        Array a => new JsonArray(a.Cast<object>().Select(ToJson).ToArray()),
        Enum e => JsonValue.Create(ArgumentBinder.Format(e)),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        float f => float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture)),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        bool b => JsonValue.Create(b),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
