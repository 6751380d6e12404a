using Graft.Weights;

namespace Graft.Tests.Weights;

public class WeightsManifestTests
{
    [Fact]
    public void A_manifest_round_trips_every_typed_field_and_resolves_sources_against_its_folder()
    {
        using var folder = new WeightsFolder();
        var entry = new WeightsEntry
        {
            Name = "MyWeights.V1", Builder = "mlp", BuilderArgs = new Dictionary<string, object> { ["hidden"] = new List<object> { "32", "16" }, ["dropout"] = "0.1" },
            InputShape = [4], Source = "v1.safetensors", Sha256 = new string('b', 64), Format = WeightsFormat.Safetensors,
            Preprocessing = new Preprocessing { Mean = [1, 2, 3, 4], Std = [1, 1, 1, 1] }, Classifier = "layers.4",
            Metadata = new WeightsMetadata
            {
                Categories = ["a", "b", "c"], ParameterCount = 755, Metrics = [new("iris", "accuracy", 0.96)], OpsPerForward = 720, FileSize = 3468,
                Recipe = "data: {source: iris}\n", Lineage = "MlpWeights.IrisV1", Created = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), Tags = ["tabular"],
                Description = "test",
            },
        };
        var path = folder.File("weights.json");
        WeightsManifest.Write(path, [entry]);
        var read = Assert.Single(WeightsManifest.Read(path));
        Assert.Equal(Path.Combine(folder.Path, "v1.safetensors"), read.LocalPath);
        Assert.Equal(entry.Metadata.Metrics, read.Metadata.Metrics);
        Assert.Equal(entry.Metadata.Categories, read.Metadata.Categories);
        Assert.Equal(entry.Metadata.Created, read.Metadata.Created);
        Assert.Equal(entry.Metadata.Lineage, read.Metadata.Lineage);
        Assert.Equal(entry.Metadata.Recipe, read.Metadata.Recipe);
        Assert.Equal(entry.Preprocessing.Mean, read.Preprocessing.Mean);
        Assert.Equal(["32", "16"], ((IEnumerable<object>)read.BuilderArgs["hidden"]).Cast<string>());
        Assert.Equal("0.1", read.BuilderArgs["dropout"]);
        Assert.Equal(0.96, read.Metadata.Metric("accuracy", "IRIS"));
    }
}
