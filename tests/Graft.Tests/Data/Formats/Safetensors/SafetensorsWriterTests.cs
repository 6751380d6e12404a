using System.Text;
using System.Text.Json;
using Graft.Data.Formats.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Formats.Safetensors;

public class SafetensorsWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void Every_dtype_round_trips_exactly(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var source = torch.arange(-6, 6, ScalarType.Float64).reshape(2, 3, 2);
        if (dtype == ScalarType.Bool) source = source.remainder(2);
        if (dtype == ScalarType.Byte) source = source.abs();
        var tensor = source.to_type(dtype);
        var path = _folder.File($"{dtype}.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = tensor });
        using var file = SafetensorsReader.Read(path);
        var back = file.Tensors["t"];
        Assert.Equal(dtype, back.dtype);
        Assert.Equal(tensor.shape, back.shape);
        Assert.True(back.eq(tensor).all().item<bool>());
    }

    [Fact]
    public void Header_lists_tensors_in_name_order_with_contiguous_offsets_padded_to_8_bytes()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("m.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["b"] = torch.ones(3, ScalarType.Float32),
            ["a"] = torch.ones(2, 2, ScalarType.Int64),
            ["c"] = torch.ones(1, ScalarType.Int8),
        }, new Dictionary<string, string> { ["source"] = "test é" });

        var bytes = File.ReadAllBytes(path);
        ulong size = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, size % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)size);
        Assert.Equal(header.TrimEnd(' '), header.TrimEnd());
        using var json = JsonDocument.Parse(header);
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "__metadata__", "a", "b", "c" }, names);
        Assert.Equal("test é", json.RootElement.GetProperty("__metadata__").GetProperty("source").GetString());
        Assert.Contains("test é", header); // UTF-8, not \u escapes
        long Offset(string name, int i) => json.RootElement.GetProperty(name).GetProperty("data_offsets")[i].GetInt64();
        Assert.Equal((0L, 32L), (Offset("a", 0), Offset("a", 1)));
        Assert.Equal((32L, 44L), (Offset("b", 0), Offset("b", 1)));
        Assert.Equal((44L, 45L), (Offset("c", 0), Offset("c", 1)));
        Assert.Equal(8 + (long)size + 45, bytes.Length);
    }

    [Fact]
    public void Large_and_non_contiguous_tensors_round_trip_through_chunked_writes()
    {
        using var scope = NewDisposeScope();
        var big = torch.rand(1_500_000); // 6 MB: more than one write chunk
        var transposed = torch.arange(12, ScalarType.Int32).reshape(3, 4).t();
        var path = _folder.File("big.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["big"] = big, ["t"] = transposed });
        using var file = SafetensorsReader.Read(path);
        Assert.True(file.Tensors["big"].eq(big).all().item<bool>());
        Assert.Equal(new[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, file.Tensors["t"].data<int>().ToArray());
    }

    [Fact]
    public void Parameters_that_require_grad_are_written_by_value()
    {
        using var scope = NewDisposeScope();
        var weight = torch.arange(6, ScalarType.Float32).reshape(2, 3).requires_grad_(true);
        var path = _folder.File("p.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = weight, ["wt"] = weight.t() });
        using var file = SafetensorsReader.Read(path);
        Assert.Equal(new[] { 0f, 1, 2, 3, 4, 5 }, file.Tensors["w"].data<float>().ToArray());
        Assert.Equal(new[] { 0f, 3, 1, 4, 2, 5 }, file.Tensors["wt"].data<float>().ToArray());
        Assert.False(file.Tensors["w"].requires_grad);
    }

    [Fact]
    public void Metadata_round_trips_and_is_empty_when_absent()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("meta.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.zeros(1) }, new Dictionary<string, string> { ["k"] = "v" });
        using (var file = SafetensorsReader.Read(path)) Assert.Equal("v", file.Metadata["k"]);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.zeros(1) });
        using (var file = SafetensorsReader.Read(path)) Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Failed_write_leaves_the_existing_file_untouched_and_no_temporary_files()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("keep.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.ones(2) });
        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["ok"] = torch.ones(2),
            ["z"] = torch.ones(2, ScalarType.ComplexFloat32),
        }));
        Assert.Contains("Tensor 'z' is ComplexFloat32", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Reserved_and_empty_names_are_rejected()
    {
        using var scope = NewDisposeScope();
        var path = _folder.File("n.safetensors");
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["__metadata__"] = torch.ones(1) }));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { [""] = torch.ones(1) }));
        Assert.False(File.Exists(path));
    }
}
