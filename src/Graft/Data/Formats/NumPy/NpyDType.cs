using static TorchSharp.torch;

namespace Graft.Data.Formats.NumPy;

/// <summary>How the values of an array of some NumPy dtype become a tensor.</summary>
internal enum NpyWidening
{
    /// <summary>The bytes are the tensor's bytes.</summary>
    None,

    /// <summary><c>uint16</c>, read as <c>int16</c> bits and widened to <c>int32</c>.</summary>
    UInt16ToInt32,

    /// <summary><c>uint32</c>, read as <c>int32</c> bits and widened to <c>int64</c>.</summary>
    UInt32ToInt64,

    /// <summary><c>uint64</c>, read as <c>int64</c> bits; values above <see cref="long.MaxValue"/> are an error.</summary>
    UInt64ToInt64,
}

/// <summary>A NumPy dtype that can be read: its raw storage type, byte order and the tensor type it becomes.</summary>
/// <param name="Descr">The dtype string as written in the header, e.g. <c>&lt;f4</c>.</param>
/// <param name="StorageType">The tensor type whose bytes match the file's (before widening).</param>
/// <param name="ItemSize">Bytes per element.</param>
/// <param name="BigEndian">Whether the file stores the values big-endian.</param>
/// <param name="SwapUnit">The size of the units whose byte order is reversed (half the item size for complex numbers).</param>
/// <param name="Widening">How the storage type is widened afterwards, when TorchSharp lacks the exact type.</param>
internal sealed record NpyDType(string Descr, ScalarType StorageType, int ItemSize, bool BigEndian, int SwapUnit, NpyWidening Widening)
{
    /// <summary>The dtypes the reader understands, for error messages.</summary>
    public const string Supported = "b1, i1, u1, i2, u2, i4, u4, i8, u8, f2, f4, f8, c8, c16 (little- or big-endian)";

    /// <summary>
    /// Parses a dtype string such as <c>&lt;f4</c>, <c>|u1</c> or <c>&gt;i8</c>. Returns null and an explanation for
    /// dtypes that cannot be read.
    /// </summary>
    public static NpyDType? TryParse(string descr, out string error)
    {
        error = "";
        if (descr.Length < 2)
        {
            error = $"'descr' '{descr}' is not a NumPy dtype string such as '<f4'";
            return null;
        }

        char order = descr[0];
        string rest = descr;
        if (order is '<' or '>' or '|' or '=') rest = descr[1..];
        else order = '=';
        if (rest.Length == 0)
        {
            error = $"'descr' '{descr}' is not a NumPy dtype string such as '<f4'";
            return null;
        }

        char kind = rest[0];
        if (kind == 'O')
        {
            error = $"dtype '{descr}' holds Python objects: object arrays (pickles) are not supported";
            return null;
        }

        if (!int.TryParse(rest.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int size))
        {
            error = $"'descr' '{descr}' is not a NumPy dtype string such as '<f4'";
            return null;
        }

        (ScalarType Type, NpyWidening Widening)? mapping = (kind, size) switch
        {
            ('b', 1) => (ScalarType.Bool, NpyWidening.None),
            ('i', 1) => (ScalarType.Int8, NpyWidening.None),
            ('u', 1) => (ScalarType.Byte, NpyWidening.None),
            ('i', 2) => (ScalarType.Int16, NpyWidening.None),
            ('u', 2) => (ScalarType.Int16, NpyWidening.UInt16ToInt32),
            ('i', 4) => (ScalarType.Int32, NpyWidening.None),
            ('u', 4) => (ScalarType.Int32, NpyWidening.UInt32ToInt64),
            ('i', 8) => (ScalarType.Int64, NpyWidening.None),
            ('u', 8) => (ScalarType.Int64, NpyWidening.UInt64ToInt64),
            ('f', 2) => (ScalarType.Float16, NpyWidening.None),
            ('f', 4) => (ScalarType.Float32, NpyWidening.None),
            ('f', 8) => (ScalarType.Float64, NpyWidening.None),
            ('c', 8) => (ScalarType.ComplexFloat32, NpyWidening.None),
            ('c', 16) => (ScalarType.ComplexFloat64, NpyWidening.None),
            _ => null,
        };
        if (mapping is null)
        {
            string what = kind switch
            {
                'U' or 'S' or 'a' => "strings",
                'V' => "raw or structured records",
                'M' or 'm' => "dates or time deltas",
                'f' => $"{size * 8}-bit floats",
                _ => "values of this type",
            };
            error = $"dtype '{descr}' ({what}) is not supported; supported dtypes are {Supported}";
            return null;
        }

        if (order == '|' && size > 1)
        {
            error = $"dtype '{descr}' has {size}-byte items but no byte order ('|'); expected '<' or '>'";
            return null;
        }

        bool bigEndian = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        int swapUnit = kind == 'c' ? size / 2 : size;
        return new NpyDType(descr, mapping.Value.Type, size, bigEndian, swapUnit, mapping.Value.Widening);
    }

    /// <summary>The dtype string the writer uses for a tensor type, or null when NumPy has no such type.</summary>
    public static string? DescrFor(ScalarType type) => type switch
    {
        ScalarType.Bool => "|b1",
        ScalarType.Int8 => "|i1",
        ScalarType.Byte => "|u1",
        ScalarType.Int16 => "<i2",
        ScalarType.Int32 => "<i4",
        ScalarType.Int64 => "<i8",
        ScalarType.Float16 => "<f2",
        ScalarType.Float32 => "<f4",
        ScalarType.Float64 => "<f8",
        ScalarType.ComplexFloat32 => "<c8",
        ScalarType.ComplexFloat64 => "<c16",
        _ => null,
    };
}
