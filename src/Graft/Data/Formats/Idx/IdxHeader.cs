using static TorchSharp.torch;

namespace Graft.Data.Formats.Idx;

/// <summary>The validated header of an IDX file: element type and dimensions.</summary>
/// <param name="DataType">The element type.</param>
/// <param name="Dimensions">The size of each dimension, outermost (the sample dimension) first.</param>
/// <param name="Compressed">Whether the file is gzip-compressed (offsets then refer to the decompressed data).</param>
public sealed record IdxHeader(IdxDataType DataType, IReadOnlyList<long> Dimensions, bool Compressed)
{
    /// <summary>The number of header bytes: the 4-byte magic number and 4 bytes per dimension.</summary>
    public long Length => 4 + (4L * Dimensions.Count);

    /// <summary>The total number of elements the header declares.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>The size in bytes of one element.</summary>
    public int ElementSize => SizeOf(DataType);

    /// <summary>The number of data bytes the header declares after itself.</summary>
    public long DataLength => ElementCount * ElementSize;

    /// <summary>The TorchSharp element type the data is read as.</summary>
    public ScalarType ScalarType => ToScalarType(DataType);

    /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
    public static int SizeOf(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 or IdxDataType.Int8 => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Float32 => 4,
        IdxDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown IDX element type."),
    };

    /// <summary>The TorchSharp element type of <paramref name="type"/>.</summary>
    public static ScalarType ToScalarType(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 => ScalarType.Byte,
        IdxDataType.Int8 => ScalarType.Int8,
        IdxDataType.Int16 => ScalarType.Int16,
        IdxDataType.Int32 => ScalarType.Int32,
        IdxDataType.Float32 => ScalarType.Float32,
        IdxDataType.Float64 => ScalarType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown IDX element type."),
    };
}
