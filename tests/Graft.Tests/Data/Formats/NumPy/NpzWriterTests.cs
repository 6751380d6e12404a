using System.IO.Compression;
using Graft.Data.Formats.NumPy;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Formats.NumPy;

public class NpzWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Archives_round_trip_names_order_and_values(bool compressed)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["zeta"] = torch.arange(12, ScalarType.Float32).reshape(4, 3),
            ["alpha"] = torch.tensor(new long[] { 3, 1, 4, 1 }),
            ["flags"] = torch.tensor(new[] { true, false, true, true }),
        };
        var path = _folder.File("a.npz");
        NpzWriter.Write(path, tensors, compressed);
        var back = NpzReader.Read(path);
        Assert.Equal(new[] { "zeta", "alpha", "flags" }, back.Keys.ToArray());
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.shape, back[name].shape);
            Assert.Equal(t.dtype, back[name].dtype);
            Assert.True(back[name].eq(t).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Entries_are_named_like_numpy_savez_and_compressed_archives_are_smaller()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor> { ["x"] = torch.zeros(10000) };
        var stored = _folder.File("s.npz");
        var deflated = _folder.File("d.npz");
        NpzWriter.Write(stored, tensors, compressed: false);
        NpzWriter.Write(deflated, tensors, compressed: true);
        using (var zip = ZipFile.OpenRead(stored))
        {
            var entry = Assert.Single(zip.Entries);
            Assert.Equal("x.npy", entry.FullName);
            Assert.Equal(entry.Length, entry.CompressedLength);
        }

        Assert.True(new FileInfo(deflated).Length < new FileInfo(stored).Length / 10);
    }

    [Fact]
    public void Empty_names_are_rejected_before_writing()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("e.npz");
        Assert.Throws<ArgumentException>(() => NpzWriter.Write(path, new Dictionary<string, Tensor> { [""] = torch.ones(1) }));
        Assert.False(File.Exists(path));
    }
}
