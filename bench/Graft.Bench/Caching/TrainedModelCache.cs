using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Graft.Weights;
using Graft.Weights.Formats;
using static TorchSharp.torch;

namespace Graft.Bench.Caching;

/// <summary>A model the cache supplied: its recipe, what was measured when it was trained, and whether it was re-used.</summary>
/// <param name="Key">The recipe's key (<see cref="TrainingRecipe.Key"/>).</param>
/// <param name="Metrics">What the training step measured (e.g. test accuracy), as recorded.</param>
/// <param name="TrainSeconds">How long training took when it ran.</param>
/// <param name="Created">When it was trained (UTC, ISO 8601).</param>
/// <param name="FromCache">True when the weights were read from the cache, false when trained now.</param>
internal sealed record CachedModel(string Key, IReadOnlyDictionary<string, double> Metrics, double TrainSeconds, string Created, bool FromCache);

/// <summary>
/// Trained models by recipe, so studies re-use them instead of training again: <c>&lt;directory&gt;/&lt;key&gt;/</c> holds
/// <c>weights.safetensors</c> and <c>model.json</c> (the recipe, the weights' SHA-256, the metrics measured after
/// training, the training time). Entries are written atomically (a temporary folder, then a rename); an entry whose
/// recipe, digest or tensors do not match is reported and trained again.
/// </summary>
internal sealed class TrainedModelCache
{
    private const string WeightsFileName = "weights.safetensors";
    private const string InfoFileName = "model.json";

    /// <summary>A cache in <paramref name="directory"/> (created on first store).</summary>
    public TrainedModelCache(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>The bench's cache, <c>bench/cache/models</c> under the repository root (ignored by git).</summary>
    public static TrainedModelCache ForRepository(string repositoryRoot) => new(Path.Combine(repositoryRoot, "bench", "cache", "models"));

    /// <summary>
    /// Fills <paramref name="model"/> with the weights <paramref name="recipe"/> produces: read from the cache when it
    /// holds them, else by running <paramref name="train"/> (which trains <paramref name="model"/> in place and returns
    /// what it measured) and storing the result. Says which in <paramref name="log"/>.
    /// </summary>
    /// <param name="recipe">What decides the weights.</param>
    /// <param name="model">A model built from the recipe's builder and arguments (initialised with its seed).</param>
    /// <param name="train">Trains <paramref name="model"/> by the recipe and returns measurements to record.</param>
    /// <param name="log">Where to say whether the model was re-used or trained.</param>
    /// <param name="label">The model's name in the log.</param>
    public CachedModel GetOrTrain(TrainingRecipe recipe, nn.Module model, Func<IReadOnlyDictionary<string, double>> train, TextWriter log, string label)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(log);
        string key = recipe.Key;
        string folder = Path.Combine(Directory, key);
        if (System.IO.Directory.Exists(folder))
        {
            var (cached, problem) = TryLoad(folder, key, recipe, model);
            if (cached is not null)
            {
                log.WriteLine($"  {label}: re-used from the cache ({Short(key)}, trained {cached.Created} in {cached.TrainSeconds:0.0} s)");
                return cached;
            }

            log.WriteLine($"  {label}: the cache entry {Short(key)} is unusable ({problem}); training again");
        }

        var watch = Stopwatch.StartNew();
        var metrics = train();
        double seconds = watch.Elapsed.TotalSeconds;
        var created = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Store(folder, recipe, model, metrics, seconds, created);
        log.WriteLine($"  {label}: trained in {seconds:0.0} s and cached ({Short(key)})");
        return new CachedModel(key, metrics, seconds, created, FromCache: false);
    }

    /// <summary>The cached entry's folder for <paramref name="recipe"/> (it may not exist).</summary>
    public string FolderOf(TrainingRecipe recipe) => Path.Combine(Directory, recipe.Key);

    private static string Short(string key) => key[..12];

    private static (CachedModel? Model, string Problem) TryLoad(string folder, string key, TrainingRecipe recipe, nn.Module model)
    {
        var infoPath = Path.Combine(folder, InfoFileName);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(infoPath) || !File.Exists(weightsPath)) return (null, $"{InfoFileName} or {WeightsFileName} is missing");
        JsonObject info;
        try
        {
            info = JsonNode.Parse(File.ReadAllText(infoPath)) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException e)
        {
            return (null, $"{InfoFileName} is not valid JSON: {e.Message}");
        }

        if (info["recipe"]?.ToJsonString() != JsonNode.Parse(recipe.CanonicalJson())!.ToJsonString())
            return (null, "its recipe differs from the one asked for");
        byte[] bytes = File.ReadAllBytes(weightsPath);
        string digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if ((string?)info["weights_sha256"] != digest) return (null, $"the weights' SHA-256 is {digest[..12]}, not the recorded one");
        var stored = WeightsFile.Read(bytes, WeightsFormat.Safetensors, weightsPath);
        try
        {
            var target = WeightsFile.StateOf(model);
            if (target.Count != stored.Count || target.Keys.Any(k => !stored.ContainsKey(k)))
                return (null, "its tensors are not the model's");
            foreach (var (name, tensor) in target)
                if (!tensor.shape.SequenceEqual(stored[name].shape))
                    return (null, $"tensor {name} has shape [{string.Join(", ", stored[name].shape)}], the model's [{string.Join(", ", tensor.shape)}]");
            using (no_grad())
                foreach (var (name, tensor) in target) tensor.copy_(stored[name]);
        }
        finally
        {
            foreach (var t in stored.Values) t.Dispose();
        }

        var metrics = (info["metrics"] as JsonObject ?? new JsonObject())
            .ToDictionary(m => m.Key, m => m.Value?.GetValue<double>() ?? double.NaN, StringComparer.Ordinal);
        return (new CachedModel(key, metrics, info["train_seconds"]?.GetValue<double>() ?? double.NaN, (string?)info["created"] ?? "?", FromCache: true), "");
    }

    private void Store(string folder, TrainingRecipe recipe, nn.Module model, IReadOnlyDictionary<string, double> metrics, double seconds, string created)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var staging = Path.Combine(Directory, $".{Path.GetFileName(folder)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            var weightsPath = Path.Combine(staging, WeightsFileName);
            WeightsFile.Write(weightsPath, WeightsFile.StateOf(model), WeightsFormat.Safetensors);
            string digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weightsPath)));
            var metricsJson = new JsonObject();
            foreach (var (name, value) in metrics.OrderBy(m => m.Key, StringComparer.Ordinal)) metricsJson[name] = value;
            var info = new JsonObject
            {
                ["key"] = recipe.Key,
                ["recipe"] = JsonNode.Parse(recipe.CanonicalJson()),
                ["weights_sha256"] = digest,
                ["metrics"] = metricsJson,
                ["train_seconds"] = seconds,
                ["created"] = created,
            };
            File.WriteAllText(Path.Combine(staging, InfoFileName), info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
            System.IO.Directory.Move(staging, folder);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
    }
}
