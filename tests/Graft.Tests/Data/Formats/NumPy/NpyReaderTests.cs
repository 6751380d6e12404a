using Graft.Data;
using Graft.Data.Formats.NumPy;
using TorchSharp;
using static TorchSharp.torch;
using R = Graft.Tests.Data.Formats.NumPy.NumPyReferenceFiles;

namespace Graft.Tests.Data.Formats.NumPy;

public class NpyReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Tensor ReadReference(string base64, string name = "ref.npy") => NpyReader.Read(_folder.Write(name, R.Bytes(base64)));

    private DataFormatException ReadFails(byte[] bytes, string name = "bad.npy") =>
        Assert.Throws<DataFormatException>(() => NpyReader.Read(_folder.Write(name, bytes)).Dispose());

    [Fact]
    public void Float32_array_written_by_numpy_reads_with_its_shape_and_values()
    {
        using var t = ReadReference(R.F4);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(new[] { 0f, 1.5f, 3f, 4.5f, 6f, 7.5f }, t.data<float>().ToArray());
    }

    [Fact]
    public void Integer_bool_and_half_dtypes_written_by_numpy_read_exactly()
    {
        using (var t = ReadReference(R.Bool)) { Assert.Equal(ScalarType.Bool, t.dtype); Assert.Equal(new[] { true, false, true }, t.data<bool>().ToArray()); }
        using (var t = ReadReference(R.U1)) { Assert.Equal(ScalarType.Byte, t.dtype); Assert.Equal(new byte[] { 0, 7, 255 }, t.data<byte>().ToArray()); }
        using (var t = ReadReference(R.I1)) { Assert.Equal(ScalarType.Int8, t.dtype); Assert.Equal(new sbyte[] { -128, 0, 127 }, t.data<sbyte>().ToArray()); }
        using (var t = ReadReference(R.I2)) { Assert.Equal(ScalarType.Int16, t.dtype); Assert.Equal(new short[] { -32768, 1, 32767 }, t.data<short>().ToArray()); }
        using (var t = ReadReference(R.I8)) { Assert.Equal(ScalarType.Int64, t.dtype); Assert.Equal(new[] { long.MinValue, 5 }, t.data<long>().ToArray()); }
        using (var t = ReadReference(R.F2))
        {
            Assert.Equal(ScalarType.Float16, t.dtype);
            using var f = t.to_type(ScalarType.Float32);
            Assert.Equal(new[] { 0.5f, -2f, 65504f }, f.data<float>().ToArray());
        }
    }

    [Fact]
    public void Unsigned_dtypes_torch_lacks_are_widened_without_changing_values()
    {
        using (var t = ReadReference(R.U2)) { Assert.Equal(ScalarType.Int32, t.dtype); Assert.Equal(new[] { 0, 1, 65535 }, t.data<int>().ToArray()); }
        using (var t = ReadReference(R.U4)) { Assert.Equal(ScalarType.Int64, t.dtype); Assert.Equal(new[] { 0L, 4294967295L }, t.data<long>().ToArray()); }
        using (var t = ReadReference(R.U8)) { Assert.Equal(ScalarType.Int64, t.dtype); Assert.Equal(new[] { 0L, long.MaxValue }, t.data<long>().ToArray()); }
    }

    [Fact]
    public void Uint64_values_beyond_int64_are_reported_with_the_data_offset()
    {
        var ex = ReadFails(R.Bytes(R.U8TooBig), "big.npy");
        Assert.Contains("big.npy", ex.Message);
        Assert.Equal("offset 128", ex.Location);
        Assert.Contains("uint64", ex.Message);
        Assert.Contains("9223372036854775807", ex.Message);
    }

    [Fact]
    public void Complex64_array_keeps_real_and_imaginary_parts()
    {
        using var t = ReadReference(R.C8);
        Assert.Equal(ScalarType.ComplexFloat32, t.dtype);
        using var real = torch.view_as_real(t);
        Assert.Equal(new[] { 1f, 2f, 0f, -3.5f }, real.data<float>().ToArray());
    }

    [Fact]
    public void Big_endian_arrays_are_byte_swapped()
    {
        using (var t = ReadReference(R.F8BigEndian))
        {
            Assert.Equal(ScalarType.Float64, t.dtype);
            Assert.Equal(new[] { 1.25, -2.5, 3.0, 1e300 }, t.data<double>().ToArray());
        }

        using (var t = ReadReference(R.I4BigEndian))
        {
            Assert.Equal(ScalarType.Int32, t.dtype);
            Assert.Equal(new[] { 1, -2, 70000, int.MinValue }, t.data<int>().ToArray());
        }
    }

    [Fact]
    public void Fortran_order_arrays_are_returned_in_C_order()
    {
        using (var t = ReadReference(R.F8Fortran))
        {
            Assert.Equal(new long[] { 2, 3 }, t.shape);
            Assert.True(t.is_contiguous());
            Assert.Equal(new[] { 0.0, 1, 2, 3, 4, 5 }, t.data<double>().ToArray());
        }

        using (var t = ReadReference(R.I2Fortran3D))
        {
            Assert.Equal(new long[] { 2, 3, 4 }, t.shape);
            Assert.Equal(Enumerable.Range(0, 24).Select(i => (short)i).ToArray(), t.data<short>().ToArray());
        }
    }

    [Fact]
    public void Format_versions_2_and_3_read_like_version_1()
    {
        using var v2 = ReadReference(R.F4Version2);
        using var v3 = ReadReference(R.F4Version3);
        Assert.Equal(new[] { 0f, 1f, 2f }, v2.data<float>().ToArray());
        Assert.Equal(new[] { 0f, 1f, 2f }, v3.data<float>().ToArray());
    }

    [Fact]
    public void Scalar_and_empty_arrays_keep_their_shapes()
    {
        using var scalar = ReadReference(R.Scalar);
        Assert.Empty(scalar.shape);
        Assert.Equal(3.25f, scalar.item<float>());
        using var empty = ReadReference(R.Empty);
        Assert.Equal(new long[] { 0, 4 }, empty.shape);
    }

    [Fact]
    public void Bool_bytes_other_than_zero_and_one_read_as_true()
    {
        var path = _folder.Write("b.npy", NpyBytes.Build("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [0, 2, 255]));
        using var t = NpyReader.Read(path);
        Assert.Equal(new[] { false, true, true }, t.data<bool>().ToArray());
        using var sum = t.sum();
        Assert.Equal(2, sum.item<long>());
    }

    [Fact]
    public void Object_arrays_are_rejected_as_pickles()
    {
        var ex = ReadFails(R.Bytes(R.Object), "objects.npy");
        Assert.Contains("objects.npy", ex.Message);
        Assert.Contains("object arrays (pickles) are not supported", ex.Message);
        Assert.StartsWith("offset ", ex.Location);
    }

    [Fact]
    public void Structured_dtypes_are_rejected()
    {
        var ex = ReadFails(R.Bytes(R.Structured), "records.npy");
        Assert.Contains("records.npy", ex.Message);
        Assert.Contains("structured dtypes", ex.Message);
        Assert.Equal("offset 20", ex.Location); // where the list value of 'descr' starts
    }

    [Fact]
    public void String_dtypes_are_rejected_naming_the_supported_ones()
    {
        var ex = ReadFails(NpyBytes.Build("{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }", new byte[20]));
        Assert.Contains("'<U5' (strings) is not supported", ex.Message);
        Assert.Contains("f4", ex.Message);
    }

    [Fact]
    public void Wrong_magic_is_reported_at_offset_zero()
    {
        var bytes = R.Bytes(R.F4);
        bytes[1] = (byte)'X';
        var ex = ReadFails(bytes, "magic.npy");
        Assert.Contains("magic.npy", ex.Message);
        Assert.Equal("offset 0", ex.Location);
        Assert.Contains("expected the magic bytes \\x93NUMPY, found 93 58 55 4D 50 59", ex.Message);
    }

    [Fact]
    public void Unsupported_version_is_reported_at_offset_six()
    {
        var bytes = R.Bytes(R.F4);
        bytes[6] = 4;
        var ex = ReadFails(bytes);
        Assert.Equal("offset 6", ex.Location);
        Assert.Contains("unsupported .npy format version 4.0; expected 1.0, 2.0 or 3.0", ex.Message);
    }

    [Fact]
    public void File_ending_inside_the_preamble_reports_where_it_ends()
    {
        var ex = ReadFails(R.Bytes(R.F4)[..9], "short.npy");
        Assert.Contains("short.npy", ex.Message);
        Assert.Equal("offset 9", ex.Location);
        Assert.Contains("the data ends after 9 bytes, inside the preamble; expected a 2-byte header length at offset 8", ex.Message);
    }

    [Fact]
    public void Truncated_header_reports_the_header_length_and_file_size()
    {
        var ex = ReadFails(R.Bytes(R.F4)[..50], "cut.npy");
        Assert.Contains("cut.npy", ex.Message);
        Assert.Equal("offset 8", ex.Location);
        Assert.Contains("header length 118 runs past the end of the data: the header would end at offset 128 but there are only 50 bytes", ex.Message);
    }

    [Fact]
    public void Hostile_header_length_is_rejected_before_allocating()
    {
        var bytes = new byte[30];
        R.Bytes(R.F4Version2).AsSpan(0, 8).CopyTo(bytes);
        BitConverter.GetBytes(uint.MaxValue).CopyTo(bytes, 8);
        var ex = ReadFails(bytes);
        Assert.Equal("offset 8", ex.Location);
        Assert.Contains("header length 4294967295 runs past the end", ex.Message);
        Assert.Contains("only 30 bytes", ex.Message);
    }

    [Fact]
    public void Truncated_data_reports_expected_and_found_bytes_at_the_data_offset()
    {
        var bytes = R.Bytes(R.F4);
        var ex = ReadFails(bytes[..^4], "data.npy");
        Assert.Contains("data.npy", ex.Message);
        Assert.Equal("offset 128", ex.Location);
        Assert.Contains("expected 24 bytes of data at offset 128 (shape (2, 3) of dtype '<f4'), found 20", ex.Message);
    }

    [Fact]
    public void Trailing_data_after_the_array_is_an_error()
    {
        var bytes = R.Bytes(R.F4).Concat(new byte[] { 1, 2, 3 }).ToArray();
        var ex = ReadFails(bytes);
        Assert.Equal("offset 152", ex.Location);
        Assert.Contains("found 3 bytes of trailing data at offset 152", ex.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", "no 'shape' key")]
    [InlineData("{'fortran_order': False, 'shape': (2,), }", "no 'descr' key")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1, }", "unexpected key 'extra'")]
    [InlineData("{'descr': '<f4', 'fortran_order': 'no', 'shape': (2,), }", "'fortran_order' is a string; expected True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", "'shape' is a list; expected a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", "'shape' dimension 1 is negative (-3)")]
    [InlineData("{'descr': 4, 'fortran_order': False, 'shape': (2,), }", "'descr' is an integer")]
    [InlineData("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", "malformed header: unexpected ''';")]
    [InlineData("{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,), }", "unexpected name '__import__'")]
    [InlineData("['descr', '<f4']", "malformed header: found a list")]
    public void Malformed_header_dict_names_the_problem(string dict, string expected)
    {
        var ex = ReadFails(NpyBytes.Build(dict, NpyBytes.Floats(1, 2)), "hdr.npy");
        Assert.Contains("hdr.npy", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith("offset ", ex.Location);
    }

    [Fact]
    public void Syntax_error_in_the_header_gives_the_byte_offset_of_the_error()
    {
        // The dict starts at offset 10; the stray quote of the second key is its 16th character.
        var ex = ReadFails(NpyBytes.Build("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", NpyBytes.Floats(1, 2)));
        Assert.Equal("offset 26", ex.Location);
        Assert.Contains("expected ',' or '}'", ex.Message);
    }

    [Fact]
    public void Shape_too_large_to_address_is_rejected()
    {
        var ex = ReadFails(NpyBytes.Build("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", new byte[8]));
        Assert.Contains("describes more than 2^63 bytes", ex.Message);
    }

    [Fact]
    public void Python_2_long_suffixes_in_the_shape_are_accepted()
    {
        var path = _folder.Write("py2.npy", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", NpyBytes.Floats(1, 2)));
        using var t = NpyReader.Read(path);
        Assert.Equal(new[] { 1f, 2f }, t.data<float>().ToArray());
    }

    [Fact]
    public void Non_seekable_stream_reads_and_reports_truncation_with_the_bytes_found()
    {
        using (var t = NpyReader.Read(new NonSeekableStream(R.Bytes(R.F4)), "piped"))
            Assert.Equal(new[] { 0f, 1.5f, 3f, 4.5f, 6f, 7.5f }, t.data<float>().ToArray());

        var ex = Assert.Throws<DataFormatException>(() => NpyReader.Read(new NonSeekableStream(R.Bytes(R.F4)[..^5]), "piped"));
        Assert.Contains("piped", ex.Message);
        Assert.Contains("expected 24 bytes of data at offset 128 (shape (2, 3) of dtype '<f4'), found 19", ex.Message);

        var trailing = Assert.Throws<DataFormatException>(() => NpyReader.Read(new NonSeekableStream(R.Bytes(R.F4).Append((byte)0).ToArray()), "piped"));
        Assert.Contains("found 1 bytes of trailing data at offset 152", trailing.Message);
    }

    [Fact]
    public void Stream_offsets_count_from_the_starting_position()
    {
        var bytes = new byte[5].Concat(R.Bytes(R.F4)[..^4]).ToArray();
        using var stream = new MemoryStream(bytes);
        stream.Position = 5;
        var ex = Assert.Throws<DataFormatException>(() => NpyReader.Read(stream, "embedded"));
        Assert.Equal("offset 128", ex.Location);
    }

    [Fact]
    public void ReadDataset_makes_the_array_feature_x()
    {
        using var data = NpyReader.ReadDataset(_folder.Write("x.npy", R.Bytes(R.F4)));
        Assert.Equal(2, data.Count);
        Assert.Equal("x", Assert.Single(data.Schema.Features).Name);
        Assert.Empty(data.Schema.Labels);
    }
}
