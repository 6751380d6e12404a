using Graft.Data.Formats.Idx;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Formats.Idx;

public sealed class IdxWriterTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(ScalarType.Byte, false)]
    [InlineData(ScalarType.Int8, true)]
    [InlineData(ScalarType.Int16, false)]
    [InlineData(ScalarType.Int32, true)]
    [InlineData(ScalarType.Float32, false)]
    [InlineData(ScalarType.Float64, true)]
    public void Written_files_read_back_with_the_same_type_shape_and_values(ScalarType dtype, bool gzip)
    {
        using var scope = NewDisposeScope();
        var original = torch.arange(0, 24, dtype: ScalarType.Float64).sub(7).mul(dtype == ScalarType.Byte ? 1 : 3).abs_().reshape(2, 3, 4).to_type(dtype);
        if (dtype is ScalarType.Float32 or ScalarType.Float64) original = original.div(7);
        var path = _files.PathOf("t.idx");

        IdxWriter.Write(path, original, gzip);
        var read = IdxReader.Read(path);

        Assert.Equal(dtype, read.dtype);
        Assert.Equal(new long[] { 2, 3, 4 }, read.shape);
        Assert.True(read.eq(original).all().item<bool>(), "values differ after the round trip");
        Assert.Equal(gzip, IdxReader.ReadHeader(path).Compressed);
    }

    [Fact]
    public void Writes_the_header_and_big_endian_data_byte_for_byte()
    {
        using var t = torch.tensor(new[] { 0x01020304, -1 });
        var path = _files.PathOf("i32.idx");

        IdxWriter.Write(path, t);

        Assert.Equal(new byte[] { 0, 0, 0x0C, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF }, File.ReadAllBytes(path));
    }

    [Fact]
    public void Unsupported_element_types_are_refused_with_advice()
    {
        using var t = torch.zeros(3, dtype: ScalarType.Int64);

        var ex = Assert.Throws<ArgumentException>(() => IdxWriter.Write(_files.PathOf("x"), t));

        Assert.Contains("IDX files cannot hold Int64 elements; convert to uint8, int8, int16, int32, float32 or float64 first.", ex.Message);
    }

    [Fact]
    public void Scalars_are_refused()
    {
        using var t = torch.tensor(1.5f);

        var ex = Assert.Throws<ArgumentException>(() => IdxWriter.Write(_files.PathOf("x"), t));

        Assert.Contains("IDX files hold 1 to 8 dimensions; the tensor has 0.", ex.Message);
    }
}
