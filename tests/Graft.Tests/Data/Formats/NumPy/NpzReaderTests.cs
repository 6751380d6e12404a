using System.IO.Compression;
using Graft.Data;
using Graft.Data.Formats.NumPy;
using TorchSharp;
using static TorchSharp.torch;
using R = Graft.Tests.Data.Formats.NumPy.NumPyReferenceFiles;

namespace Graft.Tests.Data.Formats.NumPy;

public class NpzReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Zip(string name, params (string Entry, byte[] Bytes)[] entries)
    {
        var path = _folder.File(name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entry, bytes) in entries)
        {
            using var s = zip.CreateEntry(entry, CompressionLevel.NoCompression).Open();
            s.Write(bytes);
        }

        return path;
    }

    [Theory]
    [InlineData(nameof(R.NpzStored))]
    [InlineData(nameof(R.NpzCompressed))]
    public void Archives_written_by_numpy_read_every_array_in_order(string which)
    {
        var base64 = which == nameof(R.NpzStored) ? R.NpzStored : R.NpzCompressed;
        var tensors = NpzReader.Read(_folder.Write("ref.npz", R.Bytes(base64)));
        try
        {
            Assert.Equal(new[] { "x", "y" }, tensors.Keys.ToArray());
            Assert.Equal(new long[] { 3, 2 }, tensors["x"].shape);
            Assert.Equal(new[] { 0f, 1, 2, 3, 4, 5 }, tensors["x"].data<float>().ToArray());
            Assert.Equal(new[] { 0L, 1, 1 }, tensors["y"].data<long>().ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void Corrupt_entry_error_names_the_archive_the_entry_and_the_offset()
    {
        var bad = R.Bytes(R.F4);
        bad[0] = 0x00;
        var path = Zip("corrupt.npz", ("x.npy", R.Bytes(R.F4)), ("w.npy", bad));
        var ex = Assert.Throws<DataFormatException>(() => NpzReader.Read(path));
        Assert.Contains("corrupt.npz", ex.Message);
        Assert.Equal("entry 'w.npy', offset 0", ex.Location);
        Assert.Contains("magic", ex.Message);
    }

    [Fact]
    public void Truncated_entry_data_reports_expected_and_found_bytes()
    {
        var path = Zip("short.npz", ("x.npy", R.Bytes(R.F4)[..^8]));
        var ex = Assert.Throws<DataFormatException>(() => NpzReader.Read(path));
        Assert.Contains("short.npz", ex.Message);
        Assert.Equal("entry 'x.npy', offset 128", ex.Location);
        Assert.Contains("expected 24 bytes of data at offset 128 (shape (2, 3) of dtype '<f4'), found 16", ex.Message);
    }

    [Fact]
    public void Undecompressable_deflate_data_names_the_entry()
    {
        var bytes = R.Bytes(R.NpzCompressed);
        // The first local header starts at 0; its data follows the 30-byte header, the name and the extra field.
        int dataStart = 30 + BitConverter.ToUInt16(bytes, 26) + BitConverter.ToUInt16(bytes, 28);
        bytes[dataStart] = 0xFF; // a final block of the reserved type 3: invalid deflate data
        var ex = Assert.Throws<DataFormatException>(() => NpzReader.Read(_folder.Write("broken.npz", bytes)));
        Assert.Contains("broken.npz", ex.Message);
        Assert.StartsWith("entry 'x.npy'", ex.Location);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_reported_as_such()
    {
        var ex = Assert.Throws<DataFormatException>(() => NpzReader.Read(_folder.Write("plain.npz", R.Bytes(R.F4))));
        Assert.Contains("plain.npz", ex.Message);
        Assert.Contains("not a valid .npz archive", ex.Message);
    }

    [Fact]
    public void Entries_that_are_not_npy_arrays_are_rejected_by_name()
    {
        var path = Zip("mixed.npz", ("x.npy", R.Bytes(R.F4)), ("notes.txt", "hello"u8.ToArray()));
        var ex = Assert.Throws<DataFormatException>(() => NpzReader.Read(path));
        Assert.Equal("entry 'notes.txt'", ex.Location);
        Assert.Contains("not a .npy array", ex.Message);
    }

    [Fact]
    public void Entry_header_claiming_more_data_than_the_entry_holds_is_rejected()
    {
        var npy = NpyBytes.Build("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }", new byte[16]);
        var path = Zip("liar.npz", ("x.npy", npy));
        var ex = Assert.Throws<DataFormatException>(() => NpzReader.Read(path));
        Assert.Equal("entry 'x.npy', offset 128", ex.Location);
        Assert.Contains("expected 8000000000 bytes of data at offset 128", ex.Message);
        Assert.Contains("found 16", ex.Message);
    }

    [Fact]
    public void ReadDataset_takes_y_as_the_label_and_x_as_the_feature()
    {
        using var data = NpzReader.ReadDataset(_folder.Write("ref.npz", R.Bytes(R.NpzCompressed)));
        Assert.Equal(3, data.Count);
        Assert.Equal("x", Assert.Single(data.Schema.Features).Name);
        var label = Assert.Single(data.Schema.Labels);
        Assert.Equal("y", label.Name);
        Assert.Equal(LabelKind.Class, label.Kind);
    }
}
