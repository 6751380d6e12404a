namespace Graft.Training.Logging.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of the TFRecord framing: reflected polynomial <c>0x82F63B78</c>, initial value
/// and final XOR <c>0xFFFFFFFF</c>. Table-driven, one byte per step.
/// </summary>
internal static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78u;

    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a checksum: <c>Append(Compute(a), b) == Compute(a ++ b)</c>. Start from 0 for an empty prefix.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint state = ~crc;
        uint[] table = Table;
        foreach (byte b in data)
            state = table[(state ^ b) & 0xFF] ^ (state >> 8);
        return ~state;
    }

    /// <summary>
    /// The masked form stored in TFRecord files: the CRC rotated right by 15 bits plus a constant, so that a CRC
    /// stored inside checksummed data does not cancel out.
    /// </summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);

    /// <summary>The inverse of <see cref="Mask"/>.</summary>
    public static uint Unmask(uint masked)
    {
        uint rotated = unchecked(masked - 0xA282EAD8u);
        return (rotated >> 17) | (rotated << 15);
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint entry = i;
            for (int bit = 0; bit < 8; bit++)
                entry = (entry & 1) != 0 ? (entry >> 1) ^ ReflectedPolynomial : entry >> 1;
            table[i] = entry;
        }
        return table;
    }
}
