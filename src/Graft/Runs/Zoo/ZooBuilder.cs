using Graft.Data;
using Graft.Models.Catalog;
using Graft.Runs.Execution;
using Graft.Runs.RunFiles;
using Graft.Training;
using Graft.Training.Checkpoints;
using Graft.Weights;
using Graft.Weights.Formats;
using Graft.Weights.Loading;
using static TorchSharp.torch;

namespace Graft.Runs.Zoo;

/// <summary>
/// <c>graft zoo build</c>: trains each built-in entry with its recipe, writes its weights (safetensors) and measures
/// them (parameters, multiply-adds, file size, digest, accuracy on each evaluation dataset) into <c>weights.json</c>.
/// On the same machine and threads the files come out bit for bit the same (same digests).
/// </summary>
public static class ZooBuilder
{
    /// <summary>Builds the recipes named by <paramref name="only"/> (all when null or empty).</summary>
    /// <param name="zooDirectory">The folder holding the recipes (<c>zoo/</c>).</param>
    /// <param name="outputDirectory">Where the weights and <c>weights.json</c> go; entries not rebuilt are kept.</param>
    /// <param name="runsDirectory">Where the training runs go.</param>
    /// <param name="only">Entry names to build.</param>
    /// <param name="log">Progress lines.</param>
    /// <returns>The entries built.</returns>
    public static IReadOnlyList<WeightsEntry> Build(string zooDirectory, string outputDirectory, string runsDirectory, IReadOnlyCollection<string>? only, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (only is { Count: > 0 })
            foreach (var name in only.Where(n => ZooRecipe.BuiltIn.All(r => !string.Equals(r.Entry, n, StringComparison.OrdinalIgnoreCase))))
                throw new ArgumentException($"no zoo recipe for '{name}'. Recipes: {string.Join(", ", ZooRecipe.BuiltIn.Select(r => r.Entry))}.");
        var recipes = ZooRecipe.BuiltIn.Where(r => only is not { Count: > 0 } || only.Contains(r.Entry, StringComparer.OrdinalIgnoreCase)).ToList();
        return Build(recipes, zooDirectory, outputDirectory, runsDirectory, log);
    }

    /// <summary>Builds <paramref name="recipes"/> (e.g. a catalog of your own) the same way.</summary>
    /// <param name="recipes">The recipes to build.</param>
    /// <param name="zooDirectory">The folder their run files are relative to.</param>
    /// <param name="outputDirectory">Where the weights and <c>weights.json</c> go; entries not rebuilt are kept.</param>
    /// <param name="runsDirectory">Where the training runs go.</param>
    /// <param name="log">Progress lines.</param>
    /// <returns>The entries built.</returns>
    public static IReadOnlyList<WeightsEntry> Build(IReadOnlyList<ZooRecipe> recipes, string zooDirectory, string outputDirectory, string runsDirectory, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(recipes);
        ArgumentNullException.ThrowIfNull(log);
        Directory.CreateDirectory(outputDirectory);
        var manifest = Path.Combine(outputDirectory, "weights.json");
        var entries = File.Exists(manifest) ? WeightsManifest.Read(manifest).ToList() : [];
        var built = new List<WeightsEntry>();
        foreach (var recipe in recipes)
        {
            var entry = BuildOne(recipe, zooDirectory, outputDirectory, runsDirectory, log);
            entries.RemoveAll(e => e.Name == entry.Name);
            built.Add(entry);
            entries.Add(entry);
            var order = ZooRecipe.BuiltIn.Concat(recipes).Select(r => r.Entry).ToList();
            WeightsManifest.Write(manifest, entries.OrderBy(e => order.IndexOf(e.Name) is var i && i < 0 ? int.MaxValue : i));
        }

        return built;
    }

    private static WeightsEntry BuildOne(ZooRecipe recipe, string zooDirectory, string outputDirectory, string runsDirectory, TextWriter log)
    {
        var recipePath = Path.Combine(zooDirectory, recipe.RunFile);
        var runDir = Path.GetFullPath(Path.Combine(runsDirectory, Path.GetFileNameWithoutExtension(recipe.RunFile)));
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        // Built-in weights are trained from scratch and kept out of the pool: what they are must not depend on a pool.
        var run = RunFileParser.Load(recipePath, ["logging.run_dir=" + runDir]) with { Pretrain = new PretrainSection(FromPool: false, AddToPool: false) };
        if (run.Models.Count != 1) throw new ArgumentException($"{recipePath}: a zoo recipe trains one model; it has {run.Models.Count}.");
        log.WriteLine($"zoo: training {recipe.Entry} from {recipePath}");
        var started = DateTimeOffset.UtcNow;
        RunExecutor.Train(run, new RunOptions(Progress: ProgressMode.Lines, Log: log));
        var section = run.Models[0];

        using var evalData = ZooEvaluation.Open(recipe.EvaluateOn[0]);
        var feature = evalData.Schema.Feature(section.Inputs[0]);
        var label = evalData.Schema.Labels[0];
        var categories = label.Classes ?? Enumerable.Range(0, label.ClassCount ?? 0).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var shapes = new ModelShapes(feature.SampleShape, categories.Count);
        using var model = ModelCatalog.Create(section.Builder, section.Args, shapes);
        ModelWeightsFile.Load(Path.Combine(runDir, "checkpoints", section.Name + ".ckpt"), model.Module);
        var module = model.AsTensorModule();

        var file = Path.Combine(outputDirectory, recipe.FileName);
        WeightsFile.Write(file, WeightsFile.StateOf(model.Module), WeightsFormat.Safetensors, new Dictionary<string, string> { ["format"] = "pt", ["graft.entry"] = recipe.Entry });
        var metrics = recipe.EvaluateOn.Select(d => new WeightsMetric(d, "accuracy", Math.Round(ZooEvaluation.Accuracy(module, recipe.Preprocessing, d, section.Inputs[0]), 6))).ToList();
        var entry = new WeightsEntry
        {
            Name = recipe.Entry,
            Builder = ModelCatalog.Describe(section.Builder).Name,
            BuilderArgs = section.Args,
            InputShape = feature.SampleShape,
            Source = recipe.FileName,
            BaseDirectory = Path.GetFullPath(outputDirectory),
            Sha256 = WeightsEntry.HashFile(file),
            Format = WeightsFormat.Safetensors,
            Preprocessing = recipe.Preprocessing,
            Metadata = new WeightsMetadata
            {
                Description = recipe.Description,
                Categories = categories,
                ParameterCount = ModuleCost.Parameters(model.Module),
                Metrics = metrics,
                OpsPerForward = ModuleCost.MultiplyAdds(module, feature.SampleShape),
                FileSize = new FileInfo(file).Length,
                Recipe = File.ReadAllText(recipePath),
                Created = started,
                Tags = ["built-in", "default", .. recipe.Tags],
            },
        };
        log.WriteLine($"zoo: {recipe.Entry}: {string.Join(", ", metrics.Select(m => $"{m.Metric} {m.Value:0.0000} on {m.Dataset}"))}; sha256 {entry.Sha256}");
        return entry;
    }
}
