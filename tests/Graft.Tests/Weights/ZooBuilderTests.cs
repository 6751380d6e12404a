using Graft.Models.Pretrained;
using Graft.Runs.Zoo;
using Graft.Weights;
using Graft.Weights.Loading;

namespace Graft.Tests.Weights;

// Two builds must give the same digest: torch's global generator is shared by every test thread, so this runs alone.
[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class ZooBuilderTests
{
    private const string Recipe = """
        data: {source: iris}
        split: {validation: 0.2, test: 0.2, seed: 1, stratify_by: target}
        training: {epochs: 3, batch_size: 16, seed: 0, threads: 2, optimizer: {name: adam, lr: 0.01}, monitor: validation.accuracy}
        logging: {run_dir: runs/unused, tensorboard: false, curves: false}
        models:
          - name: classifier
            builder: mlp
            args: {hidden: [8]}
            inputs: [features]
            metrics: [accuracy]
            checkpoint: {monitor: validation.accuracy}
        """;

    [Fact]
    public void Zoo_build_trains_a_recipe_into_a_verified_entry_and_rebuilding_gives_the_same_digest()
    {
        using var folder = new WeightsFolder();
        var zoo = Directory.CreateDirectory(folder.File("zoo")).FullName;
        File.WriteAllText(Path.Combine(zoo, "tiny.yaml"), Recipe);
        var recipe = new ZooRecipe("MlpWeights.TinyV1", "tiny.yaml", "A tiny MLP.", ["iris"], ["test"], Preprocessing.None);

        var first = Assert.Single(ZooBuilder.Build([recipe], zoo, folder.File("out1"), folder.File("runs"), TextWriter.Null));
        var second = Assert.Single(ZooBuilder.Build([recipe], zoo, folder.File("out2"), folder.File("runs"), TextWriter.Null));
        Assert.Equal(first.Sha256, second.Sha256);

        var read = Assert.Single(WeightsManifest.Read(folder.File(Path.Combine("out1", "weights.json"))));
        Assert.Equal(first.Sha256, read.Sha256);
        Assert.Equal(Recipe, read.Metadata.Recipe);
        Assert.Equal(["setosa", "versicolor", "virginica"], read.Metadata.Categories);
        Assert.Equal(4 * 8 + 8 + 8 * 3 + 3, read.Metadata.ParameterCount);
        Assert.Equal(4 * 8 + 8 * 3, read.Metadata.OpsPerForward);
        var typed = new WeightsEntry<MlpWeights>(read);
        var model = Graft.Models.Pretrained.Models.Mlp(weights: typed);
        Assert.Equal(read.Metadata.Metric("accuracy", "iris"), Math.Round(ZooEvaluation.Accuracy(model, read.Preprocessing, "iris"), 6));
        Assert.Equal(ModuleCost.Parameters(model), read.Metadata.ParameterCount);
    }

    [Fact]
    public void Zoo_build_refuses_an_unknown_entry_name_listing_the_recipes()
    {
        var e = Assert.Throws<ArgumentException>(() => ZooBuilder.Build("zoo", "out", "runs", ["MlpWeights.IrisV9"], TextWriter.Null));
        Assert.Contains("MlpWeights.IrisV1", e.Message);
    }
}
