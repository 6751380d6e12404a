using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Graft.Runs.RunFiles;

namespace Graft.Tests.Runs.RunFiles;

[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class RunFileSchemaTests
{
    [Fact]
    public void Every_key_the_parser_reads_is_in_the_schema()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Graft.sln"))) root = root.Parent!;
        var keys = new HashSet<string>();
        YamlSection.Observer = k => { lock (keys) keys.Add(k); };
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root.FullName, "examples"), "*.yaml", SearchOption.AllDirectories))
                RunFileParser.Load(file);
            // Keys read only when present: parse a file that uses them all.
            RunFileParser.Parse("""
                data: {source: iris, augment: [{feature: x, crop_padding: 1, flip: 0.5, noise: 0.1}]}
                split: {reuse: s.json}
                training: {optimizer: {name: sgd}, schedule: {name: step}, early_stopping: {patience: 2}}
                models:
                  - {name: m, builder: mlp, inputs: [features], optimizer: {lr: 0.1}, checkpoint: {monitor: validation.loss},
                     losses: [{name: mse, weight: 1, inputs: [output, target], args: {}}], metrics: [{name: mae, inputs: [output, target]}]}
                """, "/tmp/run.yaml");
        }
        finally
        {
            YamlSection.Observer = null;
        }

        var schema = RunFileSchema.Build();
        var missing = keys.Where(k => !k.Contains(".args.", StringComparison.Ordinal) && !k.StartsWith("data.labels.", StringComparison.Ordinal) && !k.StartsWith("tasks.", StringComparison.Ordinal))
            .Where(k => Find(schema, k) is null).ToList();
        Assert.True(missing.Count == 0, "keys the parser reads but the schema lacks: " + string.Join(", ", missing));
        Assert.Contains("models.builder", keys.Select(k => Regex.Replace(k, @"\[\d+\]", "")));
    }

    [Fact]
    public void The_schema_names_every_builder_loss_and_metric_with_typed_args()
    {
        var schema = RunFileSchema.Build();
        var model = schema["properties"]!["models"]!["items"]!;
        var builders = model["properties"]!["builder"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("small_cnn", builders);
        Assert.Contains("mlp", builders);
        var smallCnn = model["allOf"]!.AsArray().First(c => c!["if"]!["properties"]!["builder"]!["const"]!.GetValue<string>() == "small_cnn")!;
        var width = smallCnn["then"]!["properties"]!["args"]!["properties"]!["width"]!;
        Assert.Equal("integer", width["type"]!.GetValue<string>());
        Assert.Equal("32", width["default"]!.ToJsonString());
        Assert.Equal("10", schema["properties"]!["training"]!["properties"]!["epochs"]!["default"]!.ToJsonString());
    }

    // Walks a dotted key (list indices removed) through properties, items and oneOf alternatives.
    private static JsonNode? Find(JsonNode node, string key)
    {
        var parts = Regex.Replace(key, @"\[\d+\]", "").Split('.');
        JsonNode? current = node;
        foreach (var part in parts)
        {
            current = Step(current, part);
            if (current is null) return null;
        }

        return current;
    }

    private static JsonNode? Step(JsonNode? node, string part)
    {
        if (node is null) return null;
        if (node["properties"]?[part] is { } direct) return Unwrap(direct);
        if (node["items"] is { } items) return Step(Unwrap(items), part);
        if (node["oneOf"] is JsonArray alternatives)
            foreach (var a in alternatives)
                if (Step(a, part) is { } found) return found;
        return null;
    }

    private static JsonNode Unwrap(JsonNode node) => node["items"] is { } items && node["properties"] is null ? Unwrap(items) : node;
}
