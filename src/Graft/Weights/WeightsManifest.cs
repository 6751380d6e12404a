using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Graft.Weights;

/// <summary>
/// A JSON file describing weights entries (<c>weights.json</c>): what <c>graft zoo build</c> writes beside the files it
/// trains, and what built-in and user catalogs are read from. Relative sources are relative to the manifest's folder.
/// </summary>
public static class WeightsManifest
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Reads the entries of the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="WeightsException">The file is not a valid manifest.</exception>
    public static IReadOnlyList<WeightsEntry> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        ManifestDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ManifestDto>(File.ReadAllText(full), Json);
        }
        catch (JsonException e)
        {
            throw new WeightsException($"{path}: not a weights manifest: {e.Message}", e);
        }

        var dir = Path.GetDirectoryName(full)!;
        return (dto?.Entries ?? []).Select(e => e.ToEntry(dir, path)).ToList();
    }

    /// <summary>Writes <paramref name="entries"/> to <paramref name="path"/> (sources as given; make them relative to its folder to keep the folder movable).</summary>
    public static void Write(string path, IEnumerable<WeightsEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var dto = new ManifestDto { Entries = entries.Select(EntryDto.From).ToList() };
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, JsonSerializer.Serialize(dto, Json) + "\n");
        File.Move(tmp, full, overwrite: true);
    }

    private sealed class ManifestDto
    {
        public List<EntryDto> Entries { get; set; } = [];
    }

    private sealed class PreprocessingDto
    {
        public int[]? Resize { get; set; }
        public ChannelOrder ChannelOrder { get; set; }
        public double Scale { get; set; } = 1;
        public double[] Mean { get; set; } = [];
        public double[] Std { get; set; } = [];
    }

    private sealed class MetadataDto
    {
        public string? Description { get; set; }
        public List<string> Categories { get; set; } = [];
        public long ParameterCount { get; set; }
        public List<WeightsMetric> Metrics { get; set; } = [];
        public long? OpsPerForward { get; set; }
        public long FileSize { get; set; }
        public string? Lineage { get; set; }
        public DateTimeOffset? Created { get; set; }
        public List<string> Tags { get; set; } = [];
        public string? Recipe { get; set; }
    }

    private sealed class EntryDto
    {
        public string Name { get; set; } = "";
        public string? Builder { get; set; }
        public Dictionary<string, JsonElement> BuilderArgs { get; set; } = [];
        public long[] InputShape { get; set; } = [];
        public string Source { get; set; } = "";
        public string Sha256 { get; set; } = "";
        public WeightsFormat Format { get; set; }
        public string? FirstConv { get; set; }
        public string? Classifier { get; set; }
        public PreprocessingDto Preprocessing { get; set; } = new();
        public MetadataDto Metadata { get; set; } = new();

        public static EntryDto From(WeightsEntry e) => new()
        {
            Name = e.Name, Builder = e.Builder, InputShape = e.InputShape.ToArray(), Source = e.Source, Sha256 = e.Sha256,
            Format = e.Format, FirstConv = e.FirstConv, Classifier = e.Classifier,
            BuilderArgs = e.BuilderArgs.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(ToJson(kv.Value))),
            Preprocessing = new PreprocessingDto
            {
                Resize = e.Preprocessing.Resize?.ToArray(), ChannelOrder = e.Preprocessing.ChannelOrder, Scale = e.Preprocessing.Scale,
                Mean = e.Preprocessing.Mean.ToArray(), Std = e.Preprocessing.Std.ToArray(),
            },
            Metadata = new MetadataDto
            {
                Description = e.Metadata.Description, Categories = e.Metadata.Categories.ToList(), ParameterCount = e.Metadata.ParameterCount,
                Metrics = e.Metadata.Metrics.ToList(), OpsPerForward = e.Metadata.OpsPerForward, FileSize = e.Metadata.FileSize,
                Lineage = e.Metadata.Lineage, Created = e.Metadata.Created, Tags = e.Metadata.Tags.ToList(), Recipe = e.Metadata.Recipe,
            },
        };

        public WeightsEntry ToEntry(string dir, string path)
        {
            if (Name.Length == 0 || Source.Length == 0 || Sha256.Length != 64)
                throw new WeightsException($"{path}: entry '{Name}' needs a name, a source and a 64-digit sha256.");
            return new WeightsEntry
            {
                Name = Name, Builder = Builder, InputShape = InputShape, Source = Source, BaseDirectory = dir, Sha256 = Sha256.ToLowerInvariant(),
                Format = Format, FirstConv = FirstConv, Classifier = Classifier,
                BuilderArgs = BuilderArgs.ToDictionary(kv => kv.Key, kv => FromJson(kv.Value)),
                Preprocessing = new Preprocessing
                {
                    Resize = Preprocessing.Resize, ChannelOrder = Preprocessing.ChannelOrder, Scale = Preprocessing.Scale,
                    Mean = Preprocessing.Mean, Std = Preprocessing.Std,
                },
                Metadata = new WeightsMetadata
                {
                    Description = Metadata.Description, Categories = Metadata.Categories, ParameterCount = Metadata.ParameterCount,
                    Metrics = Metadata.Metrics, OpsPerForward = Metadata.OpsPerForward, FileSize = Metadata.FileSize,
                    Lineage = Metadata.Lineage, Created = Metadata.Created, Tags = Metadata.Tags, Recipe = Metadata.Recipe,
                },
            };
        }
    }

    private static object ToJson(object value) => value switch
    {
        string s => s,
        System.Collections.IEnumerable list => list.Cast<object>().Select(ToJson).ToList(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static object FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString()!,
        _ => e.GetRawText(),
    };
}
