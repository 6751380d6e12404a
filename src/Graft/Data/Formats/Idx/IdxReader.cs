using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Formats.Idx;

/// <summary>
/// Reads IDX files (the format of MNIST and Fashion-MNIST), raw or gzip-compressed. Gzip is recognised by its magic
/// bytes, not by the file name. Every size in the header is checked against the data actually present before anything
/// is allocated from it.
/// </summary>
/// <remarks>
/// Layout: two zero bytes, an element type code (<see cref="IdxDataType"/>), the number of dimensions (1 to
/// <see cref="MaxDimensions"/>), one big-endian <c>int32</c> per dimension, then the elements in row-major order,
/// big-endian. Trailing bytes after the declared data are an error.
/// </remarks>
public static class IdxReader
{
    /// <summary>The most dimensions an IDX header may declare.</summary>
    public const int MaxDimensions = 8;

    /// <summary>
    /// The most elements an IDX file may hold (about 2^31, the largest .NET array); a header declaring more is taken
    /// for corrupt.
    /// </summary>
    public const long MaxElements = 0x7FFFFFC7;

    private const int ChunkBytes = 1 << 20;

    /// <summary>Reads and validates the header of <paramref name="path"/> without reading the data.</summary>
    /// <exception cref="DataFormatException">The header is malformed.</exception>
    public static IdxHeader ReadHeader(string path)
    {
        using var stream = GzipDetection.Open(path, out bool compressed, out _);
        return ReadHeader(stream, path, compressed);
    }

    /// <summary>
    /// Reads <paramref name="path"/> into a tensor of the file's natural element type (<c>uint8</c> for <c>0x08</c>,
    /// <c>int8</c>, <c>int16</c>, <c>int32</c>, <c>float32</c>, <c>float64</c>) and the file's shape.
    /// </summary>
    /// <param name="path">The IDX file, raw or gzip-compressed.</param>
    /// <param name="limit">
    /// When set, only the first <paramref name="limit"/> entries of the outermost dimension are read. For raw files the
    /// whole file's length is still checked; for gzip files the data after those entries is not read or checked.
    /// </param>
    /// <exception cref="DataFormatException">The file is malformed, truncated or has trailing bytes.</exception>
    public static Tensor Read(string path, long? limit = null)
    {
        if (limit is < 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");
        using var stream = GzipDetection.Open(path, out bool compressed, out long fileLength);
        var header = ReadHeader(stream, path, compressed);
        long headerLength = header.Length;
        long declared = header.DataLength;
        if (!compressed)
        {
            long present = fileLength - headerLength;
            if (present < declared) throw Truncated(path, header, declared, present, null);
            if (present > declared)
                throw new DataFormatException(path,
                    $"found {present - declared} trailing bytes after the {declared} bytes of data the header declares " +
                    $"({Describe(header)}); expected the file to end at offset {headerLength + declared}",
                    Offset(headerLength + declared, compressed));
        }

        long[] shape = header.Dimensions.ToArray();
        long take = limit is null ? shape[0] : Math.Min(limit.Value, shape[0]);
        long perEntry = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        shape[0] = take;
        long count = take * perEntry;
        int size = header.ElementSize;

        byte[][] chunks = compressed
            ? ReadChunks(stream, path, header, count * size, take, limit is not null)
            : Array.Empty<byte[]>();
        return header.DataType switch
        {
            IdxDataType.UInt8 => Build<byte>(stream, chunks, count, shape, compressed, path, header),
            IdxDataType.Int8 => Build<sbyte>(stream, chunks, count, shape, compressed, path, header),
            IdxDataType.Int16 => Build<short>(stream, chunks, count, shape, compressed, path, header),
            IdxDataType.Int32 => Build<int>(stream, chunks, count, shape, compressed, path, header),
            IdxDataType.Float32 => Build<float>(stream, chunks, count, shape, compressed, path, header),
            _ => Build<double>(stream, chunks, count, shape, compressed, path, header),
        };
    }

    /// <summary>
    /// Reads an image file and a label file into a dataset: feature <see cref="IdxDatasetOptions.FeatureName"/>
    /// (<c>float32</c>; <c>uint8</c> sources scaled to [0, 1]; shape <c>[N, 1, H, W]</c> for 3-d image files,
    /// <c>[N, ...]</c> otherwise) and the class label <see cref="IdxDatasetOptions.LabelName"/>.
    /// </summary>
    /// <param name="imagesPath">The IDX file of images (or any samples), at least 1-d.</param>
    /// <param name="labelsPath">The 1-d IDX file of integer class indices.</param>
    /// <param name="options">Names, class names and a sample limit; defaults when null.</param>
    /// <exception cref="DataFormatException">A file is malformed, or the two files disagree on the sample count.</exception>
    public static TensorDataset ReadDataset(string imagesPath, string labelsPath, IdxDatasetOptions? options = null)
    {
        options ??= new IdxDatasetOptions();
        var imagesHeader = ReadHeader(imagesPath);
        var labelsHeader = ReadHeader(labelsPath);
        if (labelsHeader.Dimensions.Count != 1)
            throw new DataFormatException(labelsPath,
                $"a label file must be 1-d (one class index per sample) but the header declares {Describe(labelsHeader)}", "offset 3");
        if (labelsHeader.DataType is IdxDataType.Float32 or IdxDataType.Float64)
            throw new DataFormatException(labelsPath,
                $"a label file must hold integer class indices but its element type is {labelsHeader.DataType}", "offset 2");
        long imageCount = imagesHeader.Dimensions[0], labelCount = labelsHeader.Dimensions[0];
        if (imageCount != labelCount)
            throw new DataFormatException(imagesPath,
                $"the image file has {imageCount} samples but the label file {labelsPath} has {labelCount}; " +
                "they must have the same number of samples", "offset 4");

        using var scope = NewDisposeScope();
        var raw = Read(imagesPath, options.Limit);
        var images = raw.dtype == ScalarType.Byte && options.ScaleBytes
            ? raw.to_type(ScalarType.Float32).div_(255f)
            : raw.to_type(ScalarType.Float32);
        if (images.dim() == 3) images = images.unsqueeze(1);
        var labels = Read(labelsPath, options.Limit).to_type(ScalarType.Int64);

        if (labels.numel() > 0)
        {
            long min = labels.min().item<long>(), max = labels.max().item<long>();
            if (min < 0)
                throw new DataFormatException(labelsPath, $"class indices must not be negative; found {min}");
            if (options.ClassNames is { } names && max >= names.Count)
                throw new DataFormatException(labelsPath,
                    $"found class index {max} but only {names.Count} class names were given ({string.Join(", ", names)})");
        }

        var dataset = new TensorDataset()
            .WithFeature(options.FeatureName, images)
            .WithLabel(options.LabelName, labels, LabelKind.Class, classes: options.ClassNames);
        return dataset;
    }

    internal static IdxHeader ReadHeader(Stream stream, string path, bool compressed)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = ReadFully(stream, magic, path, 0, compressed);
        if (got < 4)
            throw new DataFormatException(path,
                got == 0 ? "the file is empty; expected a 4-byte IDX magic number" : $"expected a 4-byte IDX magic number, found only {got} bytes",
                Offset(0, compressed));
        if (magic[0] != 0 || magic[1] != 0)
            throw new DataFormatException(path,
                $"expected an IDX magic number starting with two zero bytes, found {Hex(magic)}: this is not an IDX file",
                Offset(0, compressed));
        byte code = magic[2];
        if (!Enum.IsDefined(typeof(IdxDataType), code))
            throw new DataFormatException(path,
                $"unknown IDX element type code 0x{code:X2}; expected 0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C (int32), 0x0D (float32) or 0x0E (float64)",
                Offset(2, compressed));
        int ndims = magic[3];
        if (ndims is 0 or > MaxDimensions)
            throw new DataFormatException(path,
                $"the header declares {ndims} dimensions; expected 1 to {MaxDimensions}", Offset(3, compressed));

        Span<byte> dimBytes = stackalloc byte[4 * MaxDimensions];
        dimBytes = dimBytes[..(4 * ndims)];
        got = ReadFully(stream, dimBytes, path, 4, compressed);
        if (got < dimBytes.Length)
            throw new DataFormatException(path,
                $"expected {ndims} big-endian int32 dimensions ({dimBytes.Length} bytes) after the magic number, found only {got} bytes",
                Offset(4 + got, compressed));

        var dims = new long[ndims];
        for (int i = 0; i < ndims; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.Slice(4 * i, 4));
            if (dims[i] < 0)
                throw new DataFormatException(path,
                    $"dimension {i} is {dims[i]}; dimensions must not be negative", Offset(4 + (4 * i), compressed));
        }

        // Each partial product is checked so that neither the total nor the per-entry count can overflow.
        long product = 1;
        foreach (var d in dims)
        {
            if (d == 0) { product = 0; break; }
            if (product > MaxElements / d)
                throw new DataFormatException(path,
                    $"the dimensions [{string.Join(", ", dims)}] declare more than {MaxElements} elements, the most an IDX file may hold; the header is corrupt",
                    Offset(4, compressed));
            product *= d;
        }

        long perEntry = 1;
        foreach (var d in dims.Skip(1))
        {
            if (d != 0 && perEntry > MaxElements / d)
                throw new DataFormatException(path,
                    $"the dimensions [{string.Join(", ", dims)}] declare more than {MaxElements} elements per entry, the most an IDX file may hold; the header is corrupt",
                    Offset(8, compressed));
            perEntry *= d;
        }

        return new IdxHeader((IdxDataType)code, dims, compressed);
    }

    private static byte[][] ReadChunks(Stream stream, string path, IdxHeader header, long wanted, long take, bool limited)
    {
        // Memory grows with the data actually present: a chunk is only allocated when there is data to fill it.
        var chunks = new List<byte[]>();
        long read = 0;
        while (read < wanted)
        {
            int size = (int)Math.Min(ChunkBytes, wanted - read);
            var chunk = new byte[size];
            int got = ReadFully(stream, chunk, path, header.Length + read, true);
            read += got;
            if (got < size)
                throw Truncated(path, header, wanted, read, limited ? take : null);
            chunks.Add(chunk);
        }

        if (!limited)
        {
            Span<byte> probe = stackalloc byte[4096];
            long extra = 0;
            int got;
            while ((got = ReadFully(stream, probe, path, header.Length + wanted + extra, true)) > 0)
            {
                extra += got;
                if (extra >= 1L << 26) break; // Enough to report; do not decompress a bomb to the end.
            }

            if (extra > 0)
                throw new DataFormatException(path,
                    $"found {(extra >= 1L << 26 ? "at least " : "")}{extra} trailing bytes after the {wanted} bytes of data the header declares " +
                    $"({Describe(header)}); expected the data to end at offset {header.Length + wanted}",
                    Offset(header.Length + wanted, true));
        }

        return chunks.ToArray();
    }

    private static Tensor Build<T>(Stream stream, byte[][] chunks, long count, long[] shape, bool compressed, string path, IdxHeader header)
        where T : unmanaged
    {
        var values = new T[count];
        int size = header.ElementSize;
        int perBlock = ChunkBytes / size;
        if (compressed)
        {
            long element = 0;
            for (int c = 0; c < chunks.Length; c++)
            {
                var bytes = chunks[c];
                bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan((int)element, bytes.Length / size)));
                element += bytes.Length / size;
                chunks[c] = Array.Empty<byte>();
            }
        }
        else
        {
            for (long element = 0; element < count; element += perBlock)
            {
                int n = (int)Math.Min(perBlock, count - element);
                var target = MemoryMarshal.AsBytes(values.AsSpan((int)element, n));
                int got = ReadFully(stream, target, path, header.Length + (element * size), false);
                if (got < target.Length) // The file shrank since its length was checked.
                    throw Truncated(path, header, count * size, (element * size) + got, null);
            }
        }

        if (size > 1 && BitConverter.IsLittleEndian) SwapEndianness(values.AsSpan());
        // Dispatch on T, not on the array's runtime type: the runtime lets byte[] and sbyte[] match each other's patterns.
        object array = values;
        if (typeof(T) == typeof(byte)) return torch.tensor((byte[])array, shape);
        if (typeof(T) == typeof(sbyte)) return torch.tensor((sbyte[])array, shape);
        if (typeof(T) == typeof(short)) return torch.tensor((short[])array, shape);
        if (typeof(T) == typeof(int)) return torch.tensor((int[])array, shape);
        if (typeof(T) == typeof(float)) return torch.tensor((float[])array, shape);
        return torch.tensor((double[])array, shape);
    }

    private static void SwapEndianness<T>(Span<T> values)
        where T : unmanaged
    {
        switch (Marshal.SizeOf<T>())
        {
            case 2:
                var s = MemoryMarshal.Cast<T, short>(values);
                BinaryPrimitives.ReverseEndianness(s, s);
                break;
            case 4:
                var i = MemoryMarshal.Cast<T, int>(values);
                BinaryPrimitives.ReverseEndianness(i, i);
                break;
            case 8:
                var l = MemoryMarshal.Cast<T, long>(values);
                BinaryPrimitives.ReverseEndianness(l, l);
                break;
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, string path, long offset, bool compressed)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(path, $"the gzip-compressed data is corrupt ({ex.Message})", Offset(offset, compressed), ex);
        }
    }

    private static DataFormatException Truncated(string path, IdxHeader header, long expected, long found, long? take)
    {
        string what = take is null ? "" : $" for the first {take} entries";
        return new DataFormatException(path,
            $"expected {expected} bytes of data{what} after the header at offset {header.Length}, found {found} ({Describe(header)})",
            Offset(header.Length + found, header.Compressed));
    }

    internal static string Describe(IdxHeader header) =>
        $"{header.DataType.ToString().ToLowerInvariant()} [{string.Join(", ", header.Dimensions)}]";

    private static string Offset(long offset, bool compressed) =>
        compressed
            ? string.Create(CultureInfo.InvariantCulture, $"offset {offset} of the decompressed data")
            : string.Create(CultureInfo.InvariantCulture, $"offset {offset}");

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(" ", bytes.ToArray().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
}
