using Graft.Data;
using Graft.Data.Formats.Safetensors;
using TorchSharp;
using static TorchSharp.torch;
using B = Graft.Tests.Data.Formats.Safetensors.SafetensorsBytes;

namespace Graft.Tests.Data.Formats.Safetensors;

public class SafetensorsReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private DataFormatException ReadFails(byte[] bytes, string name = "bad.safetensors") =>
        Assert.Throws<DataFormatException>(() => SafetensorsReader.Read(_folder.Write(name, bytes)).Dispose());

    private DataFormatException ReadFails(string json, byte[] data, string name = "bad.safetensors") => ReadFails(B.Build(json, data), name);

    [Fact]
    public void Hand_written_file_reads_tensors_in_header_order_with_metadata()
    {
        var json = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},"__metadata__":{"format":"pt","epoch":"3"},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""";
        var data = BitConverter.GetBytes(42L).Concat(B.Floats(1, 2, 3, 4)).ToArray();
        using var file = SafetensorsReader.Read(_folder.Write("m.safetensors", B.Build(json, data)));
        Assert.Equal(new[] { "w", "b" }, file.Tensors.Keys.ToArray());
        Assert.Equal(new long[] { 2, 2 }, file.Tensors["w"].shape);
        Assert.Equal(new[] { 1f, 2, 3, 4 }, file.Tensors["w"].data<float>().ToArray());
        Assert.Equal(42L, file.Tensors["b"].item<long>());
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("3", file.Metadata["epoch"]);
    }

    [Fact]
    public void Unsigned_dtypes_are_widened_to_signed_types_that_hold_them()
    {
        var json = """{"a":{"dtype":"U16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"U32","shape":[1],"data_offsets":[4,8]}}""";
        var data = new byte[] { 0xFF, 0xFF, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF };
        using var file = SafetensorsReader.Read(_folder.Write("u.safetensors", B.Build(json, data)));
        Assert.Equal(ScalarType.Int32, file.Tensors["a"].dtype);
        Assert.Equal(new[] { 65535, 1 }, file.Tensors["a"].data<int>().ToArray());
        Assert.Equal(ScalarType.Int64, file.Tensors["b"].dtype);
        Assert.Equal(4294967295L, file.Tensors["b"].item<long>());
    }

    [Fact]
    public void File_shorter_than_the_size_field_is_reported()
    {
        var ex = ReadFails([1, 2, 3], "tiny.safetensors");
        Assert.Contains("tiny.safetensors", ex.Message);
        Assert.Equal("offset 0", ex.Location);
        Assert.Contains("the file is 3 bytes long; expected an 8-byte little-endian header size", ex.Message);
    }

    [Fact]
    public void Hostile_header_size_is_rejected_against_the_file_length()
    {
        var bytes = new byte[30];
        BitConverter.GetBytes(1UL << 40).CopyTo(bytes, 0);
        var ex = ReadFails(bytes, "hostile.safetensors");
        Assert.Contains("hostile.safetensors", ex.Message);
        Assert.Equal("offset 0", ex.Location);
        Assert.Contains("header size 1099511627776 runs past the end of the file: the header would end at offset 1099511627784 but the file is 30 bytes long", ex.Message);
    }

    [Fact]
    public void Header_larger_than_100_MB_is_rejected_even_when_the_file_is_big_enough()
    {
        var path = _folder.File("huge.safetensors");
        using (var fs = File.Create(path))
        {
            fs.Write(BitConverter.GetBytes(150_000_000UL));
            fs.SetLength(150_000_100); // sparse: nothing is really written
        }

        var ex = Assert.Throws<DataFormatException>(() => SafetensorsReader.Read(path));
        Assert.Contains("header size 150000000 exceeds the limit of 100000000 bytes", ex.Message);
    }

    [Fact]
    public void Invalid_json_gives_the_offset_of_the_error()
    {
        var ex = ReadFails("""{"a": }""", [], "json.safetensors");
        Assert.Contains("json.safetensors", ex.Message);
        Assert.Contains("the header is not valid JSON", ex.Message);
        Assert.Equal("offset 14", ex.Location); // 8-byte size + position 6 of the header
    }

    [Fact]
    public void Header_that_is_not_an_object_is_rejected()
    {
        var ex = ReadFails("[1, 2]", []);
        Assert.Contains("the header is a JSON array; expected a JSON object", ex.Message);
    }

    [Theory]
    [InlineData("""{"t":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}""", "unknown dtype 'F7'; expected one of F64, F32")]
    [InlineData("""{"t":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", "dtype 'F8_E4M3' is not supported")]
    [InlineData("""{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "'shape' [-1] holds -1; expected non-negative integers")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "'shape' [1.5] holds 1.5; expected non-negative integers")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "'data_offsets' is [0]; expected [begin, end]")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", "data_offsets [4, 0] end before they begin")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,40]}}""", "data_offsets [0, 40] run past the data buffer, which has 4 bytes")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs 8 bytes")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1]}}""", "the entry has no 'data_offsets'")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}""", "unexpected key 'extra'")]
    [InlineData("""{"t":[1]}""", "its entry is a JSON array")]
    public void Invalid_tensor_entries_name_the_tensor_and_the_problem(string json, string expected)
    {
        var ex = ReadFails(json, new byte[4], "entry.safetensors");
        Assert.Contains("entry.safetensors", ex.Message);
        Assert.Equal("header, tensor 't'", ex.Location);
        Assert.Contains("tensor 't': " + expected, ex.Message);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected_naming_both()
    {
        var json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        var ex = ReadFails(json, new byte[12], "overlap.safetensors");
        Assert.Contains("overlap.safetensors", ex.Message);
        Assert.Equal($"offset {8 + json.Length + 4}", ex.Location);
        Assert.Contains("tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]", ex.Message);
    }

    [Fact]
    public void Holes_in_the_data_buffer_are_rejected()
    {
        var json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";
        var ex = ReadFails(json, new byte[12]);
        Assert.Equal($"offset {8 + json.Length + 4}", ex.Location);
        Assert.Contains("bytes 4 to 8 of the data buffer belong to no tensor (a hole before tensor 'b')", ex.Message);
    }

    [Fact]
    public void Data_after_the_last_tensor_is_rejected()
    {
        var json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        var ex = ReadFails(json, new byte[6]);
        Assert.Contains("the data buffer has 6 bytes but the tensors cover only the first 4", ex.Message);
    }

    [Fact]
    public void Duplicate_tensor_names_are_rejected()
    {
        var json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";
        var ex = ReadFails(json, new byte[8]);
        Assert.Equal("header, tensor 'a'", ex.Location);
        Assert.Contains("'a' appears twice in the header", ex.Message);
    }

    [Fact]
    public void Metadata_values_must_be_strings()
    {
        var ex = ReadFails("""{"__metadata__":{"epoch":3}}""", []);
        Assert.Equal("header, __metadata__", ex.Location);
        Assert.Contains("__metadata__ key 'epoch' is a JSON number; expected a string", ex.Message);
    }

    [Fact]
    public void Zero_sized_tensors_and_an_empty_file_body_are_valid()
    {
        var json = """{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"I8","shape":[],"data_offsets":[0,1]}}""";
        using var file = SafetensorsReader.Read(_folder.Write("z.safetensors", B.Build(json, [0xFE])));
        Assert.Equal(new long[] { 0, 3 }, file.Tensors["e"].shape);
        Assert.Equal((sbyte)-2, file.Tensors["s"].item<sbyte>());
    }

    [Fact]
    public void ReadDataset_splits_features_and_labels()
    {
        var json = """{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"y":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}""";
        using var data = SafetensorsReader.ReadDataset(_folder.Write("d.safetensors", B.Build(json, B.Floats(1, 2, 3, 4, 0.5f, float.NaN))));
        Assert.Equal("x", Assert.Single(data.Schema.Features).Name);
        var label = data.Label("y");
        Assert.Equal(new[] { true, false }, label.Mask.data<bool>().ToArray());
        Assert.Equal(new[] { 0.5f, 0f }, label.Values.data<float>().ToArray());
    }
}
