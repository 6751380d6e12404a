using System.IO.Compression;

namespace Graft.Data.Formats.Idx;

/// <summary>Opens data files that may be gzip-compressed, recognising gzip by its magic bytes rather than the name.</summary>
internal static class GzipDetection
{
    /// <summary>Whether the stream starts with the gzip magic bytes 1F 8B. The stream is rewound afterwards.</summary>
    public static bool IsGzip(Stream seekable)
    {
        Span<byte> magic = stackalloc byte[2];
        long start = seekable.Position;
        int read = seekable.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        seekable.Position = start;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading, transparently decompressing gzip. <paramref name="compressed"/> tells
    /// which; <paramref name="length"/> is the file's length on disk.
    /// </summary>
    public static Stream Open(string path, out bool compressed, out long length)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            length = file.Length;
            compressed = IsGzip(file);
            return compressed ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
