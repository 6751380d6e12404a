using Graft.Data;
using Graft.Data.Formats.Idx;
using TorchSharp;
using static TorchSharp.torch;
using static Graft.Tests.Data.Formats.Idx.IdxTestFiles;

namespace Graft.Tests.Data.Formats.Idx;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Reads_a_raw_uint8_file_with_its_shape_and_values()
    {
        var path = _files.Write("a.idx", Concat(Header(0x08, 2, 3), [1, 2, 3, 250, 251, 255]));

        using var t = IdxReader.Read(path);

        Assert.Equal(ScalarType.Byte, t.dtype);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(new byte[] { 1, 2, 3, 250, 251, 255 }, t.data<byte>().ToArray());
    }

    [Fact]
    public void Detects_gzip_by_its_magic_bytes_not_by_the_file_name()
    {
        var bytes = Concat(Header(0x08, 4), [9, 8, 7, 6]);
        var gzipWithoutSuffix = _files.Write("images.idx", bytes, gzip: true);
        var rawWithGzSuffix = _files.Write("raw.gz", bytes);

        using var a = IdxReader.Read(gzipWithoutSuffix);
        using var b = IdxReader.Read(rawWithGzSuffix);

        Assert.True(IdxReader.ReadHeader(gzipWithoutSuffix).Compressed);
        Assert.False(IdxReader.ReadHeader(rawWithGzSuffix).Compressed);
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, a.data<byte>().ToArray());
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, b.data<byte>().ToArray());
    }

    [Fact]
    public void Converts_big_endian_elements_of_every_type()
    {
        var int16 = _files.Write("i16", Concat(Header(0x0B, 2), [0x01, 0x02, 0xFF, 0xFE]));
        var int32 = _files.Write("i32", Concat(Header(0x0C, 1), [0x01, 0x02, 0x03, 0x04]));
        var float32 = _files.Write("f32", Concat(Header(0x0D, 1), [0x3F, 0xC0, 0x00, 0x00]));              // 1.5f
        var float64 = _files.Write("f64", Concat(Header(0x0E, 1), [0xC0, 0x04, 0, 0, 0, 0, 0, 0]));         // -2.5
        var int8 = _files.Write("i8", Concat(Header(0x09, 2), [0xFF, 0x7F]));

        using var a = IdxReader.Read(int16);
        using var b = IdxReader.Read(int32);
        using var c = IdxReader.Read(float32);
        using var d = IdxReader.Read(float64);
        using var e = IdxReader.Read(int8);

        Assert.Equal(ScalarType.Int16, a.dtype);
        Assert.Equal(new short[] { 0x0102, -2 }, a.data<short>().ToArray());
        Assert.Equal(ScalarType.Int32, b.dtype);
        Assert.Equal(0x01020304, b[0].item<int>());
        Assert.Equal(ScalarType.Float32, c.dtype);
        Assert.Equal(1.5f, c[0].item<float>());
        Assert.Equal(ScalarType.Float64, d.dtype);
        Assert.Equal(-2.5, d[0].item<double>());
        Assert.Equal(ScalarType.Int8, e.dtype);
        Assert.Equal(new sbyte[] { -1, 127 }, e.data<sbyte>().ToArray());
    }

    [Fact]
    public void Reads_a_file_with_a_zero_dimension_as_an_empty_tensor()
    {
        var path = _files.Write("empty.idx", Header(0x08, 0, 28, 28));

        using var t = IdxReader.Read(path);

        Assert.Equal(new long[] { 0, 28, 28 }, t.shape);
    }

    [Fact]
    public void Limit_reads_only_the_first_entries()
    {
        var raw = _files.Write("raw", Concat(Header(0x08, 4, 2), [1, 2, 3, 4, 5, 6, 7, 8]));
        var gz = _files.Write("gz", Concat(Header(0x08, 4, 2), [1, 2, 3, 4, 5, 6, 7, 8]), gzip: true);

        using var a = IdxReader.Read(raw, limit: 2);
        using var b = IdxReader.Read(gz, limit: 3);
        using var c = IdxReader.Read(raw, limit: 10);

        Assert.Equal(new long[] { 2, 2 }, a.shape);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, a.data<byte>().ToArray());
        Assert.Equal(new long[] { 3, 2 }, b.shape);
        Assert.Equal(new long[] { 4, 2 }, c.shape);
    }

    [Fact]
    public void A_limit_does_not_hide_a_truncated_raw_file()
    {
        var path = _files.Write("short", Concat(Header(0x08, 4, 2), [1, 2, 3]));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, limit: 1));

        Assert.Contains("expected 8 bytes of data after the header at offset 12, found 3", ex.Message);
    }

    [Fact]
    public void Wrong_magic_names_the_file_and_offset_zero()
    {
        var path = _files.Write("picture.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal($"{path} (offset 0): expected an IDX magic number starting with two zero bytes, found 89 50 4E 47: this is not an IDX file", ex.Message);
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void Unknown_type_code_is_reported_at_offset_two()
    {
        var path = _files.Write("bad-type", Concat(Header(0x07, 1), [0]));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("(offset 2): unknown IDX element type code 0x07; expected 0x08 (uint8)", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void Dimension_count_outside_one_to_eight_is_rejected(int ndims)
    {
        var path = _files.Write("ndims", [0, 0, 0x08, (byte)ndims, 0, 0, 0, 1]);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains($"(offset 3): the header declares {ndims} dimensions; expected 1 to 8", ex.Message);
    }

    [Fact]
    public void Negative_dimension_is_reported_at_its_offset()
    {
        var path = _files.Write("negative", Header(0x08, 2, -5));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("(offset 8): dimension 1 is -5; dimensions must not be negative", ex.Message);
    }

    [Fact]
    public void Hostile_dimensions_in_a_tiny_file_are_rejected_before_any_allocation()
    {
        var path = _files.Write("hostile", Concat(Header(0x08, int.MaxValue, int.MaxValue, int.MaxValue), [1, 2, 3, 4]));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "the reader allocated from the header");
        Assert.Contains("(offset 4): the dimensions [2147483647, 2147483647, 2147483647] declare more than 2147483591 elements", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_huge_declared_size_over_little_data_reports_truncation_without_allocating_it(bool gzip)
    {
        // 2^30 elements declared, 12 bytes present: 20 bytes on disk before compression.
        var path = _files.Write("huge", Concat(Header(0x08, 1 << 30), new byte[12]), gzip);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "the reader allocated from the header");
        Assert.Contains("expected 1073741824 bytes of data after the header at offset 8, found 12", ex.Message);
        Assert.Contains(gzip ? "(offset 20 of the decompressed data)" : "(offset 20)", ex.Message);
    }

    [Fact]
    public void Truncated_raw_file_reports_the_offset_where_data_ends()
    {
        var path = _files.Write("truncated", Concat(Header(0x08, 3, 2, 2), new byte[10]));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal($"{path} (offset 26): expected 12 bytes of data after the header at offset 16, found 10 (uint8 [3, 2, 2])", ex.Message);
    }

    [Fact]
    public void Truncated_gzip_file_reports_the_decompressed_offset()
    {
        var path = _files.Write("truncated.gz", Concat(Header(0x0D, 3), new byte[10]), gzip: true);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal($"{path} (offset 18 of the decompressed data): expected 12 bytes of data after the header at offset 8, found 10 (float32 [3])", ex.Message);
    }

    [Fact]
    public void Truncated_header_says_how_many_dimension_bytes_were_missing()
    {
        var path = _files.Write("header", [0, 0, 0x08, 2, 0, 0, 0, 5, 0, 0]);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("(offset 10): expected 2 big-endian int32 dimensions (8 bytes) after the magic number, found only 6 bytes", ex.Message);
    }

    [Fact]
    public void Empty_file_is_reported_as_such()
    {
        var path = _files.Write("empty", []);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal($"{path} (offset 0): the file is empty; expected a 4-byte IDX magic number", ex.Message);
    }

    [Theory]
    [InlineData(false, "(offset 12)")]
    [InlineData(true, "(offset 12 of the decompressed data)")]
    public void Trailing_bytes_after_the_data_are_an_error(bool gzip, string location)
    {
        var path = _files.Write("trailing", Concat(Header(0x08, 4), [1, 2, 3, 4], [5, 6, 7]), gzip);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains(location, ex.Message);
        Assert.Contains("found 3 trailing bytes after the 4 bytes of data the header declares (uint8 [4])", ex.Message);
    }

    [Fact]
    public void Corrupt_gzip_data_is_a_format_error()
    {
        var path = _files.Write("corrupt.gz", [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("the gzip-compressed data is corrupt", ex.Message);
        Assert.Contains("(offset 0 of the decompressed data)", ex.Message);
    }

    [Fact]
    public void ReadDataset_scales_uint8_images_and_adds_a_channel_dimension()
    {
        var images = _files.Write("img", Concat(Header(0x08, 3, 2, 2), [0, 255, 51, 102, 0, 0, 0, 0, 255, 255, 255, 255]));
        var labels = _files.Write("lbl", Concat(Header(0x08, 3), [2, 0, 1]), gzip: true);

        using var data = IdxReader.ReadDataset(images, labels, new IdxDatasetOptions { ClassNames = ["a", "b", "c"] });

        var image = data.Feature("image");
        Assert.Equal(new long[] { 3, 1, 2, 2 }, image.shape);
        Assert.Equal(ScalarType.Float32, image.dtype);
        Assert.Equal(new[] { 0f, 1f, 0.2f, 0.4f }, image[0].flatten().data<float>().ToArray());
        var label = data.Schema.Label("label");
        Assert.Equal(LabelKind.Class, label.Kind);
        Assert.Equal(new[] { "a", "b", "c" }, label.Classes);
        Assert.Equal(new long[] { 2, 0, 1 }, data.Label("label").Values.data<long>().ToArray());
        Assert.Equal(0, data.Label("label").MissingCount);
    }

    [Fact]
    public void ReadDataset_keeps_two_dimensional_float_samples_unscaled()
    {
        var samples = _files.Write("x", Concat(Header(0x0D, 2, 2), [0x40, 0, 0, 0, 0x40, 0x40, 0, 0, 0, 0, 0, 0, 0xBF, 0x80, 0, 0]));
        var labels = _files.Write("y", Concat(Header(0x08, 2), [1, 0]));

        using var data = IdxReader.ReadDataset(samples, labels, new IdxDatasetOptions { FeatureName = "x", LabelName = "y" });

        Assert.Equal(new long[] { 2, 2 }, data.Feature("x").shape);
        Assert.Equal(new[] { 2f, 3f, 0f, -1f }, data.Feature("x").flatten().data<float>().ToArray());
        Assert.Equal(new[] { "0", "1" }, data.Schema.Label("y").Classes);
    }

    [Fact]
    public void ReadDataset_with_a_limit_reads_the_first_samples_of_both_files()
    {
        var images = _files.Write("img", Concat(Header(0x08, 4, 1, 1), [10, 20, 30, 40]));
        var labels = _files.Write("lbl", Concat(Header(0x08, 4), [3, 2, 1, 0]));

        using var data = IdxReader.ReadDataset(images, labels, new IdxDatasetOptions { Limit = 2 });

        Assert.Equal(2, data.Count);
        Assert.Equal(new long[] { 3, 2 }, data.Label("label").Values.data<long>().ToArray());
    }

    [Fact]
    public void ReadDataset_with_different_sample_counts_names_both_files_and_counts()
    {
        var images = _files.Write("images.idx", Concat(Header(0x08, 3, 1, 1), [1, 2, 3]));
        var labels = _files.Write("labels.idx", Concat(Header(0x08, 2), [0, 1]));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadDataset(images, labels));

        Assert.Equal($"{images} (offset 4): the image file has 3 samples but the label file {labels} has 2; they must have the same number of samples", ex.Message);
    }

    [Fact]
    public void ReadDataset_rejects_a_label_file_that_is_not_one_dimensional()
    {
        var images = _files.Write("images.idx", Concat(Header(0x08, 2, 1), [1, 2]));
        var labels = _files.Write("labels.idx", Concat(Header(0x08, 2, 1), [0, 1]));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadDataset(images, labels));

        Assert.Contains($"{labels} (offset 3): a label file must be 1-d (one class index per sample) but the header declares uint8 [2, 1]", ex.Message);
    }

    [Fact]
    public void ReadDataset_rejects_a_class_index_beyond_the_class_names()
    {
        var images = _files.Write("images.idx", Concat(Header(0x08, 2, 1), [1, 2]));
        var labels = _files.Write("labels.idx", Concat(Header(0x08, 2), [0, 5]));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadDataset(images, labels, new IdxDatasetOptions { ClassNames = ["a", "b"] }));

        Assert.Contains($"{labels}: found class index 5 but only 2 class names were given (a, b)", ex.Message);
    }
}
