using Graft.Models.Blocks;
using Graft.Models.Builders;
using Graft.Models.Pretrained;
using Graft.Runs.Zoo;
using Graft.Weights;
using Graft.Weights.Loading;
using static TorchSharp.torch;
using PretrainedModels = Graft.Models.Pretrained.Models;
using WeightsApi = Graft.Models.Pretrained.Weights;

namespace Graft.Tests.Weights;

/// <summary>Every shipped entry is checked against what its weights really are and give (as torchvision's extended tests do).</summary>
public class BuiltInWeightsTests
{
    public static TheoryData<string> Shipped()
    {
        var data = new TheoryData<string>();
        foreach (var e in BuiltInWeights.Entries) data.Add(e.Name);
        return data;
    }

    private static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Graft.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("no repository root above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void The_package_ships_one_entry_per_zoo_recipe_within_a_few_megabytes()
    {
        Assert.Equal(ZooRecipe.BuiltIn.Select(r => r.Entry).Order(), BuiltInWeights.Entries.Select(e => e.Name).Order());
        Assert.InRange(BuiltInWeights.Entries.Sum(e => e.Metadata.FileSize), 1, 5L << 20);
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void A_shipped_entry_records_its_true_file_size_digest_parameters_and_operations(string name)
    {
        var entry = WeightsRegistry.Get(name);
        Assert.Equal(new FileInfo(entry.LocalPath).Length, entry.Metadata.FileSize);
        Assert.Equal(WeightsEntry.HashFile(entry.LocalPath), entry.Sha256);
        var (model, report) = PretrainedModels.Create(entry.Builder!, entry);
        using (model)
        {
            Assert.Empty(report.MissingKeys);
            Assert.Equal(ModuleCost.Parameters(model.Module), entry.Metadata.ParameterCount);
            Assert.Equal(ModuleCost.MultiplyAdds(model.AsTensorModule(), entry.InputShape), entry.Metadata.OpsPerForward);
        }
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void A_shipped_entry_gives_the_accuracy_it_records_on_its_fast_evaluation_set(string name)
    {
        var entry = WeightsRegistry.Get(name);
        var fast = entry.Metadata.Metrics.Where(m => m.Dataset.Contains("[:", StringComparison.Ordinal) || m.Dataset == "iris").ToList();
        Assert.NotEmpty(fast);
        var (model, _) = PretrainedModels.Create(entry.Builder!, entry);
        using (model)
            foreach (var m in fast)
                Assert.Equal(m.Value, Math.Round(ZooEvaluation.Accuracy(model.AsTensorModule(), entry.Preprocessing, m.Dataset), 6));
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void A_shipped_entry_keeps_the_recipe_committed_in_the_zoo_folder(string name)
    {
        var entry = WeightsRegistry.Get(name);
        var recipe = ZooRecipe.BuiltIn.Single(r => r.Entry == name);
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot(), "zoo", recipe.RunFile)), entry.Metadata.Recipe);
        Assert.Contains("built-in", entry.Metadata.Tags);
        Assert.NotNull(entry.Metadata.Created);
        Assert.NotEmpty(entry.Metadata.Categories);
    }

    [Fact]
    public void Typed_builders_take_their_own_weights_and_adapt_classes_and_channels_when_asked()
    {
        var cnn = PretrainedModels.SmallCnn(weights: SmallCnnWeights.FashionMnistV1);
        cnn.eval();
        using (var x = rand(2, 1, 28, 28)) Assert.Equal([2L, 10L], cnn.call(x).shape);

        ResNet five = PretrainedModels.ResNet8(weights: ResNet8Weights.FashionMnistV1, classes: 5, inputChannels: 3);
        five.eval();
        using (var x = rand(2, 3, 28, 28)) Assert.Equal([2L, 5L], five.call(x).shape);

        Mlp mlp = PretrainedModels.Mlp(weights: MlpWeights.Default);
        mlp.eval();
        using (var x = tensor(new float[,] { { 5.1f, 3.5f, 1.4f, 0.2f } })) Assert.Equal(0L, mlp.call(x).argmax(1).item<long>());
    }

    [Fact]
    public void Weights_get_for_and_list_reach_the_registry_beside_Models()
    {
        Assert.Same(ResNet8Weights.FashionMnistV1, WeightsApi.Get("ResNet8Weights"));
        Assert.Same(ResNet8Weights.Catalog, Assert.Single(WeightsApi.For("resnet8"), c => c.Name == "ResNet8Weights"));
        Assert.Contains(WeightsApi.List(tag: "tabular"), e => e.Name == "MlpWeights.IrisV1");
        Assert.Same(MlpWeights.IrisV1, WeightsApi.Resolve("MlpWeights.IrisV1"));
    }

    [Fact]
    public void A_typed_builder_accepts_only_weights_of_its_architecture()
    {
        // Models.ResNet8(weights: SmallCnnWeights.FashionMnistV1) does not compile: the parameter is typed by architecture.
        var parameter = typeof(PretrainedModels).GetMethod(nameof(PretrainedModels.ResNet8))!.GetParameters()[0];
        Assert.Equal(typeof(WeightsEntry<ResNet8Weights>), parameter.ParameterType);
        Assert.False(parameter.ParameterType.IsAssignableFrom(typeof(WeightsEntry<SmallCnnWeights>)));
    }

    [Fact]
    public void The_string_path_checks_the_builder_at_run_time_with_a_clear_error()
    {
        using var ok = PretrainedModels.Create("resnet8", weights: "ResNet8Weights.FashionMnistV1");
        Assert.Equal("resnet8", ok.Builder);
        var e = Assert.Throws<WeightsException>(() => PretrainedModels.Create("resnet8", weights: "SmallCnnWeights.FashionMnistV1"));
        Assert.Contains("weights SmallCnnWeights.FashionMnistV1 are for builder 'small_cnn', not 'resnet8'", e.Message);
        Assert.Contains("ResNet8Weights.FashionMnistV1", e.Message);
    }

    [Fact]
    public void A_local_file_becomes_a_typed_entry_that_typed_builders_take()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("mine.safetensors");
        var trained = PretrainedModels.Mlp(weights: MlpWeights.IrisV1);
        Graft.Weights.Formats.WeightsFile.Write(path, Graft.Weights.Formats.WeightsFile.StateOf(trained), WeightsFormat.Safetensors);
        var mine = WeightsEntry<MlpWeights>.FromFile(path, MlpWeights.IrisV1);
        Assert.Equal("MlpWeights.IrisV1", mine.Metadata.Lineage);
        var again = PretrainedModels.Mlp(weights: mine);
        foreach (var (k, v) in trained.state_dict()) Assert.True(Nets.Same(v, again.state_dict()[k]), k);
    }
}
