using System.IO.Compression;
using Graft.Data.Formats.TensorFiles;
using static TorchSharp.torch;

namespace Graft.Data.Formats.NumPy;

/// <summary>
/// Reads NumPy <c>.npz</c> archives (as written by <c>numpy.savez</c> and <c>numpy.savez_compressed</c>): a zip of
/// <c>.npy</c> arrays, stored or deflated. Entry <c>x.npy</c> becomes the tensor named <c>x</c>. Errors name the
/// archive and the entry (and the byte offset inside the entry's array).
/// </summary>
public static class NpzReader
{
    /// <summary>Reads every array of the archive at <paramref name="path"/>, in archive order.</summary>
    /// <param name="path">The archive to read.</param>
    /// <returns>The tensors by name (entry name without <c>.npy</c>); the caller owns and disposes them.</returns>
    /// <exception cref="DataFormatException">The archive or one of its entries is invalid.</exception>
    public static OrderedDictionary<string, Tensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(path, $"not a valid .npz archive: the zip structure could not be read ({ex.Message})", null, ex);
        }

        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using (zip)
            {
                foreach (var entry in zip.Entries)
                {
                    string entryName = entry.FullName;
                    if (entryName.EndsWith('/') && entry.Length == 0) continue; // a folder entry
                    if (!entryName.EndsWith(".npy", StringComparison.Ordinal) || entryName.Length == 4)
                        throw new DataFormatException(path, "the entry is not a .npy array; an .npz archive holds only entries named '<name>.npy'", $"entry '{entryName}'");
                    string name = entryName[..^4];
                    if (result.ContainsKey(name))
                        throw new DataFormatException(path, $"the archive holds two entries named '{entryName}'", $"entry '{entryName}'");
                    result.Add(name, ReadEntry(path, entry, file.Length));
                }
            }
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }

        if (result.Count == 0)
            throw new DataFormatException(path, "the archive holds no .npy arrays");
        return result;
    }

    /// <summary>
    /// Reads the archive at <paramref name="path"/> as a dataset: tensors become features and labels as
    /// <paramref name="options"/> says (by default <c>y</c>, <c>label</c>, <c>labels</c>, <c>target</c> and
    /// <c>targets</c> are labels, <c>&lt;label&gt;_mask</c> tensors their masks).
    /// </summary>
    /// <param name="path">The archive to read.</param>
    /// <param name="options">How to treat the tensors; null for the defaults.</param>
    /// <exception cref="DataFormatException">The archive is invalid or its tensors do not form a dataset.</exception>
    public static TensorDataset ReadDataset(string path, TensorFileOptions? options = null) =>
        TensorFileDataset.FromTensors(Read(path), options ?? new TensorFileOptions(), path);

    private static Tensor ReadEntry(string path, ZipArchiveEntry entry, long archiveLength)
    {
        var errors = new NpyErrors(path, entry.FullName);
        try
        {
            using var stream = entry.Open();
            // The entry's declared size is checked against the header, but it comes from the archive and is not trusted
            // for allocation: data larger than the archive itself is collected in pieces as it is decompressed.
            return NpyReader.ReadCore(stream, entry.Length, archiveLength, errors);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(path, $"the entry's data could not be read or decompressed ({ex.Message})", $"entry '{entry.FullName}'", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new DataFormatException(path, $"the entry cannot be read ({ex.Message}); expected stored or deflated entries", $"entry '{entry.FullName}'", ex);
        }
    }
}
