using System.Text;

namespace Graft.Tests.Data.Formats.Safetensors;

/// <summary>Builds safetensors files byte by byte, for malformed-file tests.</summary>
internal static class SafetensorsBytes
{
    /// <summary>The 8-byte size, the JSON header (unpadded) and <paramref name="data"/>.</summary>
    public static byte[] Build(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        return BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(data).ToArray();
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
}
