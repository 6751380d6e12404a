using Graft.Data.Formats.NumPy;
using TorchSharp;
using static TorchSharp.torch;
using R = Graft.Tests.Data.Formats.NumPy.NumPyReferenceFiles;

namespace Graft.Tests.Data.Formats.NumPy;

public class NpyWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(ScalarType.Bool)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.ComplexFloat32)]
    [InlineData(ScalarType.ComplexFloat64)]
    public void Every_numpy_dtype_round_trips_exactly(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var source = torch.arange(-6, 6, ScalarType.Float64).reshape(3, 4);
        if (dtype == ScalarType.Bool) source = source.remainder(2);
        if (dtype == ScalarType.Byte) source = source.abs();
        var tensor = source.to_type(dtype);
        var path = _folder.File($"{dtype}.npy");
        NpyWriter.Write(path, tensor);
        var back = NpyReader.Read(path);
        Assert.Equal(dtype, back.dtype);
        Assert.Equal(tensor.shape, back.shape);
        Assert.True(back.eq(tensor).all().item<bool>());
    }

    [Fact]
    public void Output_is_byte_identical_to_numpy_save()
    {
        using var scope = NewDisposeScope();
        var tensor = torch.arange(6, ScalarType.Float32).mul(1.5).reshape(2, 3);
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, tensor);
        Assert.Equal(R.Bytes(R.F4), stream.ToArray());
    }

    [Fact]
    public void Header_is_padded_so_data_starts_on_a_64_byte_boundary()
    {
        using var scope = NewDisposeScope();
        foreach (var shape in new[] { new long[] { 5 }, new long[] { 123456, 7, 1 }, Array.Empty<long>() })
        {
            using var stream = new MemoryStream();
            NpyWriter.Write(stream, torch.zeros(shape.Length == 0 ? Array.Empty<long>() : new long[] { shape.Length == 1 ? shape[0] : 0 }, ScalarType.Int32));
            var bytes = stream.ToArray();
            int headerLength = BitConverter.ToUInt16(bytes, 8);
            Assert.Equal(0, (10 + headerLength) % 64);
            Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
        }
    }

    [Fact]
    public void Non_contiguous_tensors_are_written_in_C_order()
    {
        using var scope = NewDisposeScope();
        var transposed = torch.arange(6, ScalarType.Int64).reshape(2, 3).t();
        Assert.False(transposed.is_contiguous());
        var path = _folder.File("t.npy");
        NpyWriter.Write(path, transposed);
        var back = NpyReader.Read(path);
        Assert.Equal(new long[] { 3, 2 }, back.shape);
        Assert.Equal(new long[] { 0, 3, 1, 4, 2, 5 }, back.data<long>().ToArray());
    }

    [Fact]
    public void Scalar_tensors_round_trip()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("s.npy");
        NpyWriter.Write(path, torch.tensor(2.5));
        var back = NpyReader.Read(path);
        Assert.Empty(back.shape);
        Assert.Equal(2.5, back.item<double>());
    }

    [Fact]
    public void Bfloat16_is_rejected_because_numpy_has_no_such_dtype()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("bf.npy");
        var ex = Assert.Throws<ArgumentException>(() => NpyWriter.Write(path, torch.ones(2, ScalarType.BFloat16)));
        Assert.Contains("BFloat16", ex.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Writing_a_file_replaces_it_and_leaves_no_temporary_files()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("r.npy");
        NpyWriter.Write(path, torch.ones(3));
        NpyWriter.Write(path, torch.zeros(5));
        Assert.Equal(new[] { path }, Directory.GetFiles(_folder.Path));
        Assert.Equal(new long[] { 5 }, NpyReader.Read(path).shape);
    }
}
