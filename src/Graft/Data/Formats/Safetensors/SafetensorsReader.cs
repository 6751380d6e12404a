using System.Buffers.Binary;
using System.Text.Json;
using Graft.Data.Formats.TensorFiles;
using static TorchSharp.torch;

namespace Graft.Data.Formats.Safetensors;

/// <summary>
/// Reads safetensors files: an 8-byte little-endian header size N, N bytes of UTF-8 JSON describing each tensor
/// (<c>dtype</c>, <c>shape</c>, <c>data_offsets</c>) plus optional <c>__metadata__</c> strings, then the data buffer.
/// The header is validated strictly before any tensor is allocated: sizes against the file, dtypes, shapes, offsets
/// inside the buffer, byte counts matching the shapes, and a buffer covered contiguously with no overlaps or holes.
/// <c>U16</c>, <c>U32</c> and <c>U64</c> tensors are widened to <c>int32</c>/<c>int64</c> (TorchSharp has no
/// unsigned types beyond <c>uint8</c>).
/// </summary>
public static class SafetensorsReader
{
    /// <summary>The largest header accepted, in bytes (the limit of the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors (owned by the caller; dispose the result) and the metadata.</returns>
    /// <exception cref="DataFormatException">The file is not a valid safetensors file.</exception>
    public static SafetensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return ReadCore(stream, path);
    }

    /// <summary>
    /// Reads a safetensors file from a seekable <paramref name="stream"/>, from its current position to its end. Offsets
    /// in error messages count from the starting position.
    /// </summary>
    /// <param name="stream">A seekable stream.</param>
    /// <param name="nameForErrors">The name error messages give for the data, e.g. its file name.</param>
    /// <returns>The tensors (owned by the caller; dispose the result) and the metadata.</returns>
    /// <exception cref="DataFormatException">The data is not a valid safetensors file.</exception>
    public static SafetensorsFile Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        if (!stream.CanSeek) throw new ArgumentException("Reading safetensors needs a seekable stream.", nameof(stream));
        return ReadCore(stream, nameForErrors);
    }

    /// <summary>
    /// Reads the safetensors file at <paramref name="path"/> as a dataset: tensors become features and labels as
    /// <paramref name="options"/> says (by default <c>y</c>, <c>label</c>, <c>labels</c>, <c>target</c> and
    /// <c>targets</c> are labels, <c>&lt;label&gt;_mask</c> tensors their masks). The metadata is not used.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to treat the tensors; null for the defaults.</param>
    /// <exception cref="DataFormatException">The file is invalid or its tensors do not form a dataset.</exception>
    public static TensorDataset ReadDataset(string path, TensorFileOptions? options = null)
    {
        var file = Read(path);
        return TensorFileDataset.FromTensors(file.Tensors, options ?? new TensorFileOptions(), path);
    }

    private sealed record Entry(string Name, ScalarType Storage, string DType, long[] Shape, long Begin, long End);

    private static SafetensorsFile ReadCore(Stream stream, string path)
    {
        long start = stream.Position;
        long length = stream.Length - start;
        if (length < 8)
            throw new DataFormatException(path, $"the file is {length} bytes long; expected an 8-byte little-endian header size followed by a JSON header", "offset 0");
        Span<byte> sizeBytes = stackalloc byte[8];
        stream.ReadExactly(sizeBytes);
        ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(sizeBytes);
        if (headerSize > (ulong)(length - 8))
            throw new DataFormatException(path,
                $"header size {headerSize} runs past the end of the file: the header would end at offset {8 + (decimal)headerSize} but the file is {length} bytes long",
                "offset 0");
        if (headerSize > MaxHeaderBytes)
            throw new DataFormatException(path, $"header size {headerSize} exceeds the limit of {MaxHeaderBytes} bytes", "offset 0");

        var header = new byte[(int)headerSize];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerSize;
        long bufferLength = length - dataStart;
        var (entries, metadata) = ParseHeader(path, header, bufferLength, dataStart);

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                long size = entry.End - entry.Begin;
                stream.Position = start + dataStart + entry.Begin;
                var raw = TensorBytes.TryRead(stream, entry.Storage, entry.Shape, size, size, out long read)
                    ?? throw new DataFormatException(path, $"expected {size} bytes of data for tensor '{entry.Name}' at offset {dataStart + entry.Begin}, found {read}", $"offset {dataStart + entry.Begin}");
                tensors.Add(entry.Name, raw);
                if (entry.Storage == ScalarType.Bool) TensorBytes.NormalizeBool(raw);
                var widened = Widen(path, entry, raw, dataStart);
                if (!ReferenceEquals(widened, raw))
                {
                    raw.Dispose();
                    tensors[entry.Name] = widened;
                }
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }

        var ordered = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in entries) ordered.Add(entry.Name, tensors[entry.Name]);
        return new SafetensorsFile(ordered, metadata);
    }

    private static Tensor Widen(string path, Entry entry, Tensor raw, long dataStart)
    {
        switch (entry.DType)
        {
            case "U16":
            {
                using var wide = raw.to_type(ScalarType.Int32);
                return wide.remainder(1 << 16);
            }
            case "U32":
            {
                using var wide = raw.to_type(ScalarType.Int64);
                return wide.remainder(1L << 32);
            }
            case "U64":
            {
                using var negative = raw.lt(0);
                using var any = negative.any();
                if (any.item<bool>())
                    throw new DataFormatException(path, $"tensor '{entry.Name}' (U64) holds values above {long.MaxValue}, which int64 tensors cannot hold", $"offset {dataStart + entry.Begin}");
                return raw;
            }
            default:
                return raw;
        }
    }

    private static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata) ParseHeader(string path, byte[] header, long bufferLength, long dataStart)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            long line = ex.LineNumber ?? 0, column = ex.BytePositionInLine ?? 0;
            string location = line == 0 ? $"offset {8 + column}" : $"header line {line + 1}, byte {column + 1}";
            throw new DataFormatException(path, $"the header is not valid JSON: {FirstSentence(ex.Message)}; expected a JSON object describing the tensors", location, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, $"the header is a JSON {Kind(root)}; expected a JSON object describing the tensors", "offset 8");

            var entries = new List<Entry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                string name = property.Name;
                if (!names.Add(name))
                    throw new DataFormatException(path, $"'{name}' appears twice in the header; tensor names must be unique", $"header, tensor '{name}'");
                if (name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                entries.Add(ReadEntry(path, name, property.Value, bufferLength, dataStart));
            }

            CheckCoverage(path, entries, bufferLength, dataStart);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, OrderedDictionary<string, string> metadata)
    {
        const string Location = "header, __metadata__";
        if (value.ValueKind != JsonValueKind.Object)
            throw new DataFormatException(path, $"__metadata__ is a JSON {Kind(value)}; expected an object of string values", Location);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new DataFormatException(path, $"__metadata__ key '{item.Name}' is a JSON {Kind(item.Value)}; expected a string", Location);
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new DataFormatException(path, $"__metadata__ key '{item.Name}' appears twice", Location);
        }
    }

    private static Entry ReadEntry(string path, string name, JsonElement value, long bufferLength, long dataStart)
    {
        string location = $"header, tensor '{name}'";
        DataFormatException Bad(string message) => new(path, $"tensor '{name}': {message}", location);

        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"its entry is a JSON {Kind(value)}; expected an object with dtype, shape and data_offsets");
        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeValue is null: dtypeValue = field.Value; break;
                case "shape" when shapeValue is null: shapeValue = field.Value; break;
                case "data_offsets" when offsetsValue is null: offsetsValue = field.Value; break;
                case "dtype" or "shape" or "data_offsets": throw Bad($"key '{field.Name}' appears twice");
                default: throw Bad($"unexpected key '{field.Name}'; expected only dtype, shape and data_offsets");
            }
        }

        if (dtypeValue is not { } dtypeElement) throw Bad("the entry has no 'dtype'; expected dtype, shape and data_offsets");
        if (shapeValue is not { } shapeElement) throw Bad("the entry has no 'shape'; expected dtype, shape and data_offsets");
        if (offsetsValue is not { } offsetsElement) throw Bad("the entry has no 'data_offsets'; expected dtype, shape and data_offsets");

        if (dtypeElement.ValueKind != JsonValueKind.String) throw Bad($"'dtype' is a JSON {Kind(dtypeElement)}; expected a string such as \"F32\"");
        string dtype = dtypeElement.GetString()!;
        var mapped = SafetensorsDType.TryParse(dtype, out var dtypeError) ?? throw Bad(dtypeError);

        if (shapeElement.ValueKind != JsonValueKind.Array) throw Bad($"'shape' is a JSON {Kind(shapeElement)}; expected an array of non-negative integers");
        var shape = new List<long>();
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw Bad($"'shape' {shapeElement.GetRawText()} holds {d.GetRawText()}; expected non-negative integers");
            shape.Add(dim);
        }

        if (shape.Count > 64) throw Bad($"'shape' has {shape.Count} dimensions; at most 64 are supported");

        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
            throw Bad($"'data_offsets' is {offsetsElement.GetRawText()}; expected [begin, end]");
        var offsets = new long[2];
        for (int i = 0; i < 2; i++)
        {
            var o = offsetsElement[i];
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out offsets[i]) || offsets[i] < 0)
                throw Bad($"'data_offsets' {offsetsElement.GetRawText()} holds {o.GetRawText()}; expected non-negative integers [begin, end]");
        }

        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw Bad($"data_offsets [{begin}, {end}] end before they begin");
        if (end > bufferLength)
            throw Bad($"data_offsets [{begin}, {end}] run past the data buffer, which has {bufferLength} bytes (file offsets {dataStart} to {dataStart + bufferLength})");
        long? count = TensorBytes.ElementCount(shape);
        long expected = 0;
        bool fits = count is not null;
        if (fits)
        {
            try { expected = checked(count!.Value * mapped.Size); }
            catch (OverflowException) { fits = false; }
        }

        if (!fits || expected != end - begin)
            throw Bad($"data_offsets [{begin}, {end}] span {end - begin} bytes, but shape {TensorBytes.FormatShape(shape)} of {dtype} needs {(fits ? expected.ToString(System.Globalization.CultureInfo.InvariantCulture) : "more than 2^63")} bytes");

        return new Entry(name, mapped.Storage, dtype, shape.ToArray(), begin, end);
    }

    private static void CheckCoverage(string path, List<Entry> entries, long bufferLength, long dataStart)
    {
        long covered = 0;
        Entry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin < covered)
                throw new DataFormatException(path,
                    $"tensor '{entry.Name}' data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]; tensors must not share bytes",
                    $"offset {dataStart + entry.Begin}");
            if (entry.Begin > covered)
                throw new DataFormatException(path,
                    $"bytes {covered} to {entry.Begin} of the data buffer belong to no tensor (a hole before tensor '{entry.Name}'); the buffer must be covered contiguously",
                    $"offset {dataStart + covered}");
            covered = entry.End;
            previous = entry;
        }

        if (covered < bufferLength)
            throw new DataFormatException(path,
                $"the data buffer has {bufferLength} bytes but the tensors cover only the first {covered}; {bufferLength - covered} bytes belong to no tensor",
                $"offset {dataStart + covered}");
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private static string FirstSentence(string message)
    {
        var trimmed = message.Trim();
        return trimmed.EndsWith('.') ? trimmed[..^1] : trimmed;
    }
}
