using static TorchSharp.torch;

namespace Graft.Data.Formats.Safetensors;

/// <summary>The safetensors dtype names and the tensor types they map to.</summary>
internal static class SafetensorsDType
{
    /// <summary>The dtypes the reader understands, for error messages.</summary>
    public const string Supported = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL (and U16, U32, U64, widened to signed types)";

    /// <summary>dtypes of the safetensors format that TorchSharp has no tensor type for.</summary>
    private static readonly HashSet<string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
    };

    /// <summary>
    /// The storage type (whose bytes match the file's; U16, U32 and U64 are read as the signed type of the same width
    /// and widened afterwards) and element size for a dtype name, or null with an explanation.
    /// </summary>
    public static (ScalarType Storage, int Size)? TryParse(string name, out string error)
    {
        error = "";
        (ScalarType, int)? result = name switch
        {
            "F64" => (ScalarType.Float64, 8),
            "F32" => (ScalarType.Float32, 4),
            "F16" => (ScalarType.Float16, 2),
            "BF16" => (ScalarType.BFloat16, 2),
            "I64" => (ScalarType.Int64, 8),
            "I32" => (ScalarType.Int32, 4),
            "I16" => (ScalarType.Int16, 2),
            "I8" => (ScalarType.Int8, 1),
            "U8" => (ScalarType.Byte, 1),
            "BOOL" => (ScalarType.Bool, 1),
            "U16" => (ScalarType.Int16, 2),
            "U32" => (ScalarType.Int32, 4),
            "U64" => (ScalarType.Int64, 8),
            _ => null,
        };
        if (result is null)
            error = KnownUnsupported.Contains(name)
                ? $"dtype '{name}' is not supported (TorchSharp has no such tensor type); supported dtypes are {Supported}"
                : $"unknown dtype '{name}'; expected one of {Supported}";
        return result;
    }

    /// <summary>The dtype name the writer uses for a tensor type, or null when the format has none.</summary>
    public static string? NameFor(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => null,
    };
}
