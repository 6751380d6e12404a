using System.Text;
using Graft.Data.Formats.TensorFiles;
using static TorchSharp.torch;

namespace Graft.Data.Formats.NumPy;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0) into tensors. Supported dtypes are bool, signed
/// and unsigned integers of 1 to 8 bytes, 16/32/64-bit floats and 64/128-bit complex numbers, little- or big-endian,
/// in C or Fortran order. Unsigned types TorchSharp lacks are widened (<c>uint16</c> to <c>int32</c>, <c>uint32</c>
/// to <c>int64</c>; <c>uint64</c> to <c>int64</c> when every value fits). Object arrays (pickles), strings and
/// structured dtypes are rejected. The header is parsed, never evaluated, and checked against the file's length
/// before anything is allocated; every error is a <see cref="DataFormatException"/> giving the byte offset.
/// </summary>
public static class NpyReader
{
    /// <summary>The largest header accepted, in bytes. NumPy itself writes headers of well under a kilobyte.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>The most dimensions an array may have.</summary>
    public const int MaxDimensions = 64;

    /// <summary>The largest allocation made up front for data of unknown length (bigger arrays are read in pieces first).</summary>
    internal const long UnknownLengthDirectLimit = 16L << 20;

    private const string ExpectedHeader = "a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the array in the <c>.npy</c> file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A new tensor in C (row-major) order, owned by the caller.</returns>
    /// <exception cref="DataFormatException">The file is not a valid <c>.npy</c> file or uses an unsupported dtype.</exception>
    public static Tensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return ReadCore(stream, stream.Length, stream.Length, new NpyErrors(path, null));
    }

    /// <summary>
    /// Reads one <c>.npy</c> array from <paramref name="stream"/>, starting at its current position and consuming it to
    /// the end (anything after the array is an error). Offsets in error messages count from the starting position.
    /// Streams that cannot seek are read incrementally, so memory grows only with the data actually present.
    /// </summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="nameForErrors">The name error messages give for the data, e.g. its file name.</param>
    /// <returns>A new tensor in C (row-major) order, owned by the caller.</returns>
    /// <exception cref="DataFormatException">The data is not a valid <c>.npy</c> array or uses an unsupported dtype.</exception>
    public static Tensor Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        long? length = stream.CanSeek ? stream.Length - stream.Position : null;
        return ReadCore(stream, length, length ?? UnknownLengthDirectLimit, new NpyErrors(nameForErrors, null));
    }

    /// <summary>
    /// Reads the <c>.npy</c> file at <paramref name="path"/> as a dataset whose only tensor is called <c>x</c>: a
    /// feature, unless <paramref name="options"/> names <c>x</c> as a label.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to treat the tensor; null for the defaults.</param>
    /// <exception cref="DataFormatException">The file is invalid or cannot form a dataset.</exception>
    public static TensorDataset ReadDataset(string path, TensorFileOptions? options = null)
    {
        var tensor = Read(path);
        return TensorFileDataset.FromTensors(new Dictionary<string, Tensor> { ["x"] = tensor }, options ?? new TensorFileOptions(), path);
    }

    /// <summary>
    /// Reads one array. <paramref name="declaredLength"/> is the number of bytes the source says it holds (null when
    /// unknown); <paramref name="directLimit"/> is the largest data size that may be allocated before it has been read.
    /// </summary>
    internal static Tensor ReadCore(Stream stream, long? declaredLength, long directLimit, NpyErrors errors)
    {
        // Preamble: magic (6), version (2), header length (2 or 4).
        Span<byte> preamble = stackalloc byte[12];
        int got = TensorBytes.ReadAtMost(stream, preamble[..8]);
        int compared = Math.Min(got, Magic.Length);
        if (!preamble[..compared].SequenceEqual(Magic.AsSpan(0, compared)))
            throw errors.At(0, $"not a NumPy .npy array: expected the magic bytes \\x93NUMPY, found {Hex(preamble[..Math.Min(got, 6)])}");
        if (got < 8)
            throw errors.At(got, $"the data ends after {got} bytes, inside the preamble; expected the magic bytes \\x93NUMPY and a 2-byte format version");

        byte major = preamble[6], minor = preamble[7];
        if (!(minor == 0 && major is 1 or 2 or 3))
            throw errors.At(6, $"unsupported .npy format version {major}.{minor}; expected 1.0, 2.0 or 3.0");
        int lengthSize = major == 1 ? 2 : 4;
        int headerStart = 8 + lengthSize;
        got = TensorBytes.ReadAtMost(stream, preamble.Slice(8, lengthSize));
        if (got < lengthSize)
            throw errors.At(8 + got, $"the data ends after {8 + got} bytes, inside the preamble; expected a {lengthSize}-byte header length at offset 8");
        long headerLength = lengthSize == 2
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(preamble.Slice(8, 2))
            : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(preamble.Slice(8, 4));
        long headerEnd = headerStart + headerLength;
        if (declaredLength is { } total && headerEnd > total)
            throw errors.At(8, $"header length {headerLength} runs past the end of the data: the header would end at offset {headerEnd} but there are only {total} bytes");
        if (headerLength > MaxHeaderBytes)
            throw errors.At(8, $"header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");

        var headerBytes = new byte[headerLength];
        got = TensorBytes.ReadAtMost(stream, headerBytes);
        if (got < headerLength)
            throw errors.At(headerStart + got, $"the data ends inside the header: expected {headerLength} header bytes at offset {headerStart}, found {got}");

        string headerText;
        try
        {
            headerText = major == 3 ? new UTF8Encoding(false, true).GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw errors.At(headerStart + Math.Max(0, ex.Index), "the header is not valid UTF-8 (format version 3.0 headers are UTF-8)", ex);
        }

        var header = ParseHeader(headerText, headerStart, major == 3, errors);
        var dtype = header.DType;
        long? count = TensorBytes.ElementCount(header.Shape);
        long dataBytes = 0;
        if (count is null || !TryMultiply(count.Value, dtype.ItemSize, out dataBytes))
            throw errors.At(header.ShapeOffset, $"shape {FormatTuple(header.Shape)} of dtype '{dtype.Descr}' describes more than 2^63 bytes of data");

        long dataStart = headerEnd;
        string what = $"(shape {FormatTuple(header.Shape)} of dtype '{dtype.Descr}')";
        if (declaredLength is { } length)
        {
            long available = length - dataStart;
            if (dataBytes > available)
                throw errors.At(dataStart, $"expected {dataBytes} bytes of data at offset {dataStart} {what}, found {available}");
            if (available > dataBytes)
                throw errors.At(dataStart + dataBytes, $"found {available - dataBytes} bytes of trailing data at offset {dataStart + dataBytes}, after the {dataBytes} bytes of data {what}");
        }

        long[] storageShape = header.FortranOrder ? header.Shape.Reverse().ToArray() : header.Shape;
        var raw = TensorBytes.TryRead(stream, dtype.StorageType, storageShape, dataBytes, directLimit, out long read)
            ?? throw errors.At(dataStart, $"expected {dataBytes} bytes of data at offset {dataStart} {what}, found {read}");
        try
        {
            long trailing = CountTrailing(stream, out bool capped);
            if (trailing > 0)
                throw errors.At(dataStart + dataBytes, $"found {trailing}{(capped ? " or more" : "")} bytes of trailing data at offset {dataStart + dataBytes}, after the {dataBytes} bytes of data {what}");
            if (dtype.BigEndian) TensorBytes.ReverseByteOrder(raw, dtype.SwapUnit);
            if (dtype.StorageType == ScalarType.Bool) TensorBytes.NormalizeBool(raw);
            var widened = Widen(raw, dtype, dataStart, errors);
            if (!ReferenceEquals(widened, raw)) { raw.Dispose(); raw = widened; }
            if (header.FortranOrder && header.Shape.Length > 1)
            {
                using var transposed = raw.permute(Enumerable.Range(0, header.Shape.Length).Reverse().Select(i => (long)i).ToArray());
                var ordered = transposed.contiguous();
                raw.Dispose();
                raw = ordered;
            }

            return raw;
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }

    private static Tensor Widen(Tensor raw, NpyDType dtype, long dataStart, NpyErrors errors)
    {
        switch (dtype.Widening)
        {
            case NpyWidening.UInt16ToInt32:
            {
                using var wide = raw.to_type(ScalarType.Int32);
                return wide.remainder(1 << 16);
            }
            case NpyWidening.UInt32ToInt64:
            {
                using var wide = raw.to_type(ScalarType.Int64);
                return wide.remainder(1L << 32);
            }
            case NpyWidening.UInt64ToInt64:
            {
                using var negative = raw.lt(0);
                using var any = negative.any();
                if (any.item<bool>())
                    throw errors.At(dataStart, $"dtype '{dtype.Descr}' (uint64) holds values above {long.MaxValue}, which int64 tensors cannot hold");
                return raw;
            }
            default:
                return raw;
        }
    }

    private sealed record Header(NpyDType DType, bool FortranOrder, long[] Shape, long ShapeOffset);

    private static Header ParseHeader(string text, int headerStart, bool utf8, NpyErrors errors)
    {
        long OffsetOf(int position) =>
            headerStart + (utf8 ? Encoding.UTF8.GetByteCount(text.AsSpan(0, Math.Min(position, text.Length))) : Math.Min(position, text.Length));

        object? root;
        try
        {
            root = PyLiteral.Parse(text);
        }
        catch (PyLiteralException ex)
        {
            throw errors.At(OffsetOf(ex.Position), $"malformed header: {ex.Message}; expected {ExpectedHeader}", ex);
        }

        if (root is not PyDict dict)
            throw errors.At(headerStart, $"malformed header: found {PyLiteral.TypeName(root)}; expected {ExpectedHeader}");

        string[] keys = ["descr", "fortran_order", "shape"];
        foreach (var entry in dict.Entries)
            if (!keys.Contains(entry.Key))
                throw errors.At(OffsetOf(entry.KeyPosition), $"the header has an unexpected key '{entry.Key}'; expected only 'descr', 'fortran_order' and 'shape'");
        PyDictEntry Get(string key) => dict.Entries.FirstOrDefault(e => e.Key == key)
            ?? throw errors.At(headerStart, $"the header has no '{key}' key; expected 'descr', 'fortran_order' and 'shape'");

        var descr = Get("descr");
        var fortran = Get("fortran_order");
        var shape = Get("shape");

        NpyDType dtype;
        switch (descr.Value)
        {
            case string s:
                dtype = NpyDType.TryParse(s, out var dtypeError) ?? throw errors.At(OffsetOf(descr.ValuePosition), dtypeError);
                break;
            case PyList:
                throw errors.At(OffsetOf(descr.ValuePosition), $"'descr' is a list of fields: structured dtypes (record arrays) are not supported; supported dtypes are {NpyDType.Supported}");
            default:
                throw errors.At(OffsetOf(descr.ValuePosition), $"'descr' is {PyLiteral.TypeName(descr.Value)}; expected a dtype string such as '<f4'");
        }

        if (fortran.Value is not bool fortranOrder)
            throw errors.At(OffsetOf(fortran.ValuePosition), $"'fortran_order' is {PyLiteral.TypeName(fortran.Value)}; expected True or False");

        long shapeOffset = OffsetOf(shape.ValuePosition);
        if (shape.Value is not PyTuple tuple)
            throw errors.At(shapeOffset, $"'shape' is {PyLiteral.TypeName(shape.Value)}; expected a tuple of non-negative integers such as (2, 3)");
        if (tuple.Items.Count > MaxDimensions)
            throw errors.At(shapeOffset, $"'shape' has {tuple.Items.Count} dimensions; at most {MaxDimensions} are supported");
        var dims = new long[tuple.Items.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (tuple.Items[i] is not long d)
                throw errors.At(shapeOffset, $"'shape' dimension {i} is {PyLiteral.TypeName(tuple.Items[i])}; expected a non-negative integer");
            if (d < 0)
                throw errors.At(shapeOffset, $"'shape' dimension {i} is negative ({d}); expected a non-negative integer");
            dims[i] = d;
        }

        return new Header(dtype, fortranOrder, dims, shapeOffset);
    }

    private static long CountTrailing(Stream stream, out bool capped)
    {
        const int Cap = 1 << 20;
        Span<byte> buffer = stackalloc byte[4096];
        long total = 0;
        capped = false;
        while (true)
        {
            int n = stream.Read(buffer);
            if (n == 0) return total;
            total += n;
            if (total >= Cap)
            {
                capped = true;
                return total;
            }
        }
    }

    private static bool TryMultiply(long a, long b, out long product)
    {
        try
        {
            product = checked(a * b);
            return true;
        }
        catch (OverflowException)
        {
            product = 0;
            return false;
        }
    }

    /// <summary>Python tuple text for a shape: <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>.</summary>
    internal static string FormatTuple(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 ? "no bytes" : string.Join(" ", bytes.ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>Builds the errors of one <c>.npy</c> array: its file, and its entry when it sits in an <c>.npz</c> archive.</summary>
/// <param name="Path">The file named in errors.</param>
/// <param name="Entry">The archive entry, or null for a plain <c>.npy</c> file.</param>
internal sealed record NpyErrors(string Path, string? Entry)
{
    /// <summary>An error at byte <paramref name="offset"/> of the array.</summary>
    public DataFormatException At(long offset, string message, Exception? inner = null) =>
        new(Path, message, Entry is null ? $"offset {offset}" : $"entry '{Entry}', offset {offset}", inner);
}
