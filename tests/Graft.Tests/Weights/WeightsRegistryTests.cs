using Graft.Models.Pretrained;
using Graft.Weights;

namespace Graft.Tests.Weights;

public class WeightsRegistryTests
{
    private static WeightsEntry<ResNet8Weights> Entry(string catalog, string tag, double accuracy, string dataset = "mednist") => new()
    {
        Name = $"{catalog}.{tag}", Builder = "resnet8", Source = "/nonexistent/" + tag + ".safetensors", Sha256 = new string('a', 64),
        Metadata = new WeightsMetadata { Metrics = [new(dataset, "accuracy", accuracy)], Tags = ["medical"] },
    };

    [Fact]
    public void Built_in_entries_are_found_by_name_and_a_catalog_name_gives_its_default()
    {
        Assert.Equal("SmallCnnWeights.FashionMnistV1", WeightsRegistry.Get("SmallCnnWeights.FashionMnistV1").Name);
        Assert.Same(SmallCnnWeights.Default, WeightsRegistry.Get("SmallCnnWeights"));
        Assert.Same(MlpWeights.IrisV1, WeightsRegistry.Get("mlpweights.irisv1"));
        Assert.Equal("ResNet8Weights.FashionMnistV1", WeightsRegistry.Get("ResNet8Weights.Default").Name);
    }

    [Fact]
    public void An_unknown_name_suggests_the_closest_entries()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => WeightsRegistry.Get("SmallCnnWeights.FashionMnistV2"));
        Assert.Contains("Did you mean 'SmallCnnWeights.FashionMnistV1'", e.Message);
    }

    [Fact]
    public void For_a_builder_gives_its_catalogs_and_list_filters_by_builder_tag_and_dataset()
    {
        Assert.Contains(WeightsRegistry.For("small_cnn"), c => c.Name == "SmallCnnWeights");
        Assert.All(WeightsRegistry.List(builder: "mlp"), e => Assert.Equal("mlp", e.Builder));
        Assert.Contains(WeightsRegistry.List(tag: "built-in"), e => e.Name == "MlpWeights.IrisV1");
        Assert.DoesNotContain(WeightsRegistry.List(dataset: "iris"), e => e.Builder == "resnet8");
        Assert.Contains(WeightsRegistry.List(dataset: "fashion-mnist:test[:1000]"), e => e.Name == "ResNet8Weights.FashionMnistV1");
    }

    [Fact]
    public void A_user_catalog_for_an_existing_builder_registers_without_touching_Graft_and_picks_its_best()
    {
        var name = "MedResNet8Weights" + Guid.NewGuid().ToString("N")[..8];
        var med = new WeightsCatalog<ResNet8Weights>(name, "resnet8")
            .Add(Entry(name, "MedNistV1", 0.91))
            .Add(Entry(name, "MedNistV2", 0.95), makeDefault: true)
            .Add(Entry(name, "MedNistV3", 0.93));
        WeightsRegistry.Register(med);
        Assert.Equal($"{name}.MedNistV2", med.Default.Name);
        Assert.Equal($"{name}.MedNistV2", med.GetBest("accuracy", "mednist").Name);
        Assert.Equal($"{name}.MedNistV1", med.GetBest("accuracy", "mednist", higherIsBetter: false).Name);
        Assert.Same(med.Get("MedNistV3"), WeightsRegistry.Get($"{name}.MedNistV3"));
        Assert.Contains(WeightsRegistry.For("resnet8"), c => c.Name == name);
        Assert.Throws<KeyNotFoundException>(() => med.GetBest("accuracy", "imagenet"));
    }

    [Fact]
    public void A_catalog_refuses_entries_of_another_catalog_or_builder_and_duplicate_tags()
    {
        var catalog = new WeightsCatalog<ResNet8Weights>("MyCatalog", "resnet8");
        Assert.Throws<ArgumentException>(() => catalog.Add(Entry("Other", "V1", 0.5)));
        Assert.Throws<ArgumentException>(() => catalog.Add(Entry("MyCatalog", "V1", 0.5) with { Builder = "small_cnn" }));
        catalog.Add(Entry("MyCatalog", "V1", 0.5));
        Assert.Throws<ArgumentException>(() => catalog.Add(Entry("MyCatalog", "v1", 0.6)));
    }

    [Fact]
    public void The_resolver_takes_entry_names_files_and_plugged_in_sources()
    {
        using var folder = new WeightsFolder();
        var entry = folder.Save(Nets.ConvNet(), "net.safetensors");
        Assert.Equal("MlpWeights.IrisV1", WeightsResolver.Default.Resolve("MlpWeights.IrisV1").Name);
        Assert.Equal(entry.Sha256, WeightsResolver.Default.Resolve("net.safetensors", folder.Path).Sha256);
        var e = Assert.Throws<WeightsException>(() => WeightsResolver.Default.Resolve("MlpWeights.IrisV9"));
        Assert.Contains("neither a registry entry name nor an existing weights file", e.Message);
        Assert.Contains("MlpWeights.IrisV1", e.Message);
        var missing = Assert.Throws<WeightsException>(() => WeightsResolver.Default.Resolve("gone/encoder.ckpt", folder.Path));
        Assert.Equal($"the weights file {Path.Combine(folder.Path, "gone", "encoder.ckpt")} does not exist.", missing.Message);

        var resolver = new WeightsResolver(WeightsResolver.Default.Sources);
        resolver.Add(new PoolLikeSource(entry));
        Assert.Same(entry, resolver.Resolve("pool:42"));
    }

    [Fact]
    public void A_failing_source_is_reported_and_the_other_sources_still_answer()
    {
        var resolver = new WeightsResolver([new BrokenSource(), .. WeightsResolver.Default.Sources]);
        Assert.Equal("MlpWeights.IrisV1", resolver.Resolve("MlpWeights.IrisV1").Name);
        var e = Assert.Throws<WeightsException>(() => resolver.Resolve("nothing.here"));
        Assert.Contains("a pool entry could not be looked up: database is down", e.Message);
    }

    private sealed class BrokenSource : IWeightsSource
    {
        public string Description => "a pool entry";

        public WeightsEntry? TryResolve(string reference, string? baseDirectory) =>
            reference.StartsWith("Mlp", StringComparison.Ordinal) ? null : throw new InvalidOperationException("database is down");
    }

    private sealed class PoolLikeSource(WeightsEntry entry) : IWeightsSource
    {
        public string Description => "a pool entry";

        public WeightsEntry? TryResolve(string reference, string? baseDirectory) => reference == "pool:42" ? entry : null;
    }
}
