using System.Text;

namespace Graft.Tests.Data.Formats.NumPy;

/// <summary>Builds .npy files byte by byte, for malformed-file tests.</summary>
internal static class NpyBytes
{
    /// <summary>Magic, version, header length, the header dict (padded like NumPy) and <paramref name="data"/>.</summary>
    public static byte[] Build(string dict, byte[] data, byte major = 1)
    {
        int preamble = major == 1 ? 10 : 12;
        var header = dict + " ";
        while ((preamble + header.Length + 1) % 64 != 0) header += " ";
        header += "\n";
        var headerBytes = major == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header);
        var result = new List<byte> { 0x93 };
        result.AddRange("NUMPY"u8.ToArray());
        result.Add(major);
        result.Add(0);
        if (major == 1) result.AddRange(BitConverter.GetBytes((ushort)headerBytes.Length));
        else result.AddRange(BitConverter.GetBytes((uint)headerBytes.Length));
        result.AddRange(headerBytes);
        result.AddRange(data);
        return result.ToArray();
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
}

/// <summary>A read-only stream that cannot seek, like a decompressing stream.</summary>
internal sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7)); // short reads on purpose
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
