using System.Collections;
using System.Globalization;

namespace Graft.Models.Catalog;

/// <summary>
/// Turns argument values as run files give them (text, or lists of text) into typed values. Values that already have
/// a type (numbers, flags, enums, arrays, lists) are accepted too: they are read through their invariant text.
/// </summary>
internal static class ArgumentBinder
{
    /// <summary>The types arguments may have (besides enums and one-dimensional arrays of these and of enums).</summary>
    private static readonly Type[] Scalars = [typeof(int), typeof(long), typeof(float), typeof(double), typeof(bool), typeof(string)];

    /// <summary>Whether an argument may have type <paramref name="type"/>.</summary>
    public static bool IsSupported(Type type) =>
        type.IsArray ? type.GetArrayRank() == 1 && IsSupportedScalar(type.GetElementType()!) : IsSupportedScalar(type);

    private static bool IsSupportedScalar(Type type) => type.IsEnum || Scalars.Contains(type);

    /// <summary>Converts <paramref name="value"/> to <paramref name="type"/>; on failure returns false with the reason in <paramref name="error"/>.</summary>
    public static bool TryConvert(object? value, Type type, out object? result, out string error)
    {
        result = null;
        error = "";
        if (value is null)
        {
            error = $"expected {What(type)}, found nothing.";
            return false;
        }

        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var items = value is string or not IEnumerable ? new[] { value } : ((IEnumerable)value).Cast<object?>().ToArray();
            var array = Array.CreateInstance(element, items.Length);
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i] is not string && items[i] is IEnumerable)
                {
                    error = $"item {i + 1}: expected {What(element)}, found a list.";
                    return false;
                }

                if (!TryScalar(items[i], element, out var item, out var itemError))
                {
                    error = $"item {i + 1}: {itemError}";
                    return false;
                }

                array.SetValue(item, i);
            }

            result = array;
            return true;
        }

        if (value is not string && value is IEnumerable)
        {
            error = $"expected {What(type)}, found a list.";
            return false;
        }

        return TryScalar(value, type, out result, out error);
    }

    private static bool TryScalar(object? value, Type type, out object? result, out string error)
    {
        result = null;
        error = "";
        if (value is null)
        {
            error = $"expected {What(type)}, found nothing.";
            return false;
        }

        string text = value is string s ? s : value is Enum e ? e.ToString() : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        string trimmed = text.Trim();
        if (type == typeof(string))
        {
            result = text;
            return true;
        }

        if (type == typeof(int) || type == typeof(long))
        {
            if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            {
                if (type == typeof(long))
                {
                    result = l;
                    return true;
                }

                if (l is >= int.MinValue and <= int.MaxValue)
                {
                    result = (int)l;
                    return true;
                }

                error = $"expected a whole number from {int.MinValue} to {int.MaxValue}, found '{text}'.";
                return false;
            }
        }
        else if (type == typeof(double) || type == typeof(float))
        {
            if (TryReal(trimmed, out double d))
            {
                result = type == typeof(float) ? (float)d : d;
                return true;
            }
        }
        else if (type == typeof(bool))
        {
            switch (trimmed.ToLowerInvariant())
            {
                case "true" or "yes" or "on":
                    result = true;
                    return true;
                case "false" or "no" or "off":
                    result = false;
                    return true;
            }
        }
        else if (type.IsEnum)
        {
            foreach (var name in Enum.GetNames(type))
                if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase) || string.Equals(CatalogNames.ToSnakeCase(name), trimmed, StringComparison.OrdinalIgnoreCase))
                {
                    result = Enum.Parse(type, name);
                    return true;
                }
        }

        error = $"expected {What(type)}, found '{text}'.";
        return false;
    }

    private static bool TryReal(string text, out double value)
    {
        // YAML spells the special values .inf, -.inf and .nan.
        switch (text.ToLowerInvariant())
        {
            case ".inf" or "+.inf":
                value = double.PositiveInfinity;
                return true;
            case "-.inf":
                value = double.NegativeInfinity;
                return true;
            case ".nan":
                value = double.NaN;
                return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>What a value of <paramref name="type"/> looks like, for messages: "a whole number", "a number", ...</summary>
    public static string What(Type type)
    {
        if (type.IsArray) return $"a list of {Plural(type.GetElementType()!)}";
        if (type.IsEnum) return "one of " + string.Join(", ", EnumNames(type));
        return type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(float) || type == typeof(double) ? "a number"
            : type == typeof(bool) ? "true or false" : "a text value";
    }

    private static string Plural(Type type) =>
        type.IsEnum ? "values from " + string.Join(", ", EnumNames(type))
        : type == typeof(int) || type == typeof(long) ? "whole numbers"
        : type == typeof(float) || type == typeof(double) ? "numbers"
        : type == typeof(bool) ? "true/false values" : "text values";

    /// <summary>An enum's values as run files write them (snake_case).</summary>
    public static IReadOnlyList<string> EnumNames(Type type) => Enum.GetNames(type).Select(CatalogNames.ToSnakeCase).ToArray();

    /// <summary>A value as a run file would write it: <c>32</c>, <c>0.25</c>, <c>[64, 32]</c>, <c>true</c>, <c>mean</c>.</summary>
    public static string Format(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        Enum e => CatalogNames.ToSnakeCase(e.ToString()),
        Array a => "[" + string.Join(", ", a.Cast<object>().Select(Format)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>A copy of an array default, so that a factory changing its argument cannot change the default.</summary>
    public static object? Fresh(object? value) => value is Array a ? a.Clone() : value;
}
