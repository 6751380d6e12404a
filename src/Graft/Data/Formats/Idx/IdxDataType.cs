namespace Graft.Data.Formats.Idx;

/// <summary>The element type code of an IDX file (the third byte of its magic number).</summary>
public enum IdxDataType : byte
{
    /// <summary>Unsigned bytes (<c>0x08</c>), read as <c>uint8</c>.</summary>
    UInt8 = 0x08,

    /// <summary>Signed bytes (<c>0x09</c>), read as <c>int8</c>.</summary>
    Int8 = 0x09,

    /// <summary>Big-endian 16-bit integers (<c>0x0B</c>), read as <c>int16</c>.</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit integers (<c>0x0C</c>), read as <c>int32</c>.</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single-precision floats (<c>0x0D</c>), read as <c>float32</c>.</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian IEEE 754 double-precision floats (<c>0x0E</c>), read as <c>float64</c>.</summary>
    Float64 = 0x0E,
}
