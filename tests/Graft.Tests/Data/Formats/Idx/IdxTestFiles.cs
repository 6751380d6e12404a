using System.Buffers.Binary;
using System.IO.Compression;

namespace Graft.Tests.Data.Formats.Idx;

/// <summary>A temporary directory for hand-made IDX files, deleted on dispose.</summary>
public sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "graft-idx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Writes <paramref name="bytes"/> to a file, gzip-compressed when asked.</summary>
    public string Write(string name, byte[] bytes, bool gzip = false)
    {
        string path = PathOf(name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            z.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }

    /// <summary>An IDX header: two zero bytes, the type code, the number of dimensions and the big-endian dimensions.</summary>
    public static byte[] Header(byte type, params int[] dims)
    {
        var bytes = new byte[4 + (4 * dims.Length)];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
