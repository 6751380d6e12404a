using System.IO.Compression;
using Graft.Data.Formats.TensorFiles;
using static TorchSharp.torch;

namespace Graft.Data.Formats.NumPy;

/// <summary>
/// Writes NumPy <c>.npz</c> archives that <c>numpy.load</c> reads: one <c>&lt;name&gt;.npy</c> entry per tensor, stored
/// (like <c>numpy.savez</c>) or deflated (like <c>numpy.savez_compressed</c>).
/// </summary>
public static class NpzWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to the archive at <paramref name="path"/>, in the dictionary's order, atomically
    /// (through a temporary file in the same folder), replacing any existing file.
    /// </summary>
    /// <param name="path">The archive to write.</param>
    /// <param name="tensors">The tensors by name; names must be non-empty.</param>
    /// <param name="compressed">True to deflate the entries, false to store them.</param>
    /// <exception cref="ArgumentException">A name is empty or a tensor's dtype has no NumPy equivalent.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, bool compressed = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name must not be empty.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, $"{nameof(tensors)}['{name}']");
            _ = NpyWriter.Header(tensor); // rejects dtypes NumPy lacks before anything is written
        }

        var level = compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression;
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, tensor) in tensors)
            {
                var entry = zip.CreateEntry(name + ".npy", level);
                using var entryStream = entry.Open();
                NpyWriter.Write(entryStream, tensor);
            }
        });
    }
}
