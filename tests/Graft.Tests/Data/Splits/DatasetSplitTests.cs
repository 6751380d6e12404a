using Graft.Data;
using Graft.Data.Splits;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Splits;

public class DatasetSplitTests
{
    [Fact]
    public void The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        var a = DatasetSplit.Create(1000, new SplitOptions(Seed: 3));
        var b = DatasetSplit.Create(1000, new SplitOptions(Seed: 3));
        var c = DatasetSplit.Create(1000, new SplitOptions(Seed: 4));
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Train, c.Train);
    }

    [Fact]
    public void Parts_are_disjoint_cover_every_sample_and_have_the_asked_sizes()
    {
        var s = DatasetSplit.Create(1000, new SplitOptions(Validation: 0.2, Test: 0.1, DevSize: 50));
        Assert.Equal(700, s.Train.Count);
        Assert.Equal(200, s.Validation.Count);
        Assert.Equal(100, s.Test.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), s.Train.Concat(s.Validation).Concat(s.Test).Order());
        Assert.Equal(50, s.Dev.Count);
        Assert.All(s.Dev, i => Assert.Contains(i, s.Train));
    }

    [Fact]
    public void A_stratified_split_keeps_class_proportions_in_every_part()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => (long)(i < 900 ? 0 : 1)).ToArray();
        using var data = new TensorDataset().WithFeature("x", zeros(1000, 1)).WithLabel("y", tensor(labels), LabelKind.Class);
        var s = DatasetSplit.Create(data, new SplitOptions(Validation: 0.1, Test: 0.1, StratifyBy: "y"));
        Assert.Equal(10, s.Test.Count(i => labels[i] == 1));
        Assert.Equal(10, s.Validation.Count(i => labels[i] == 1));
        Assert.Equal(80, s.Train.Count(i => labels[i] == 1));
    }

    [Fact]
    public void A_saved_split_loads_back_identically()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "split.json");
        var s = DatasetSplit.Create(300, new SplitOptions(Seed: 9));
        s.Save(path);
        var back = DatasetSplit.Load(path, 300);
        Assert.Equal(s.Train, back.Train);
        Assert.Equal(s.Validation, back.Validation);
        Assert.Equal(s.Dev, back.Dev);
        Assert.Equal(9, back.Seed);
    }

    [Fact]
    public void Loading_a_split_made_for_another_dataset_size_names_both_sizes()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "split.json");
        DatasetSplit.Create(300, new SplitOptions()).Save(path);
        var e = Assert.Throws<DataFormatException>(() => DatasetSplit.Load(path, 301));
        Assert.Contains("split.json", e.Message);
        Assert.Contains("300 samples", e.Message);
        Assert.Contains("301", e.Message);
    }

    [Fact]
    public void A_split_file_with_overlapping_parts_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "split.json");
        File.WriteAllText(path, """{"version":1,"count":4,"seed":0,"train":[0,1],"validation":[1],"test":[3],"dev":[]}""");
        var e = Assert.Throws<DataFormatException>(() => DatasetSplit.Load(path, 4));
        Assert.Contains("index 1 appears twice", e.Message);
    }

    [Fact]
    public void A_corrupt_split_file_reports_the_line()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "split.json");
        File.WriteAllText(path, "{\"version\":1,\n\"count\": oops}");
        var e = Assert.Throws<DataFormatException>(() => DatasetSplit.Load(path, 4));
        Assert.Contains("line 2", e.Message);
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.6, 0.5)]
    [InlineData(-0.1, 0.0)]
    public void Impossible_fractions_are_refused_with_the_option_named(double validation, double test)
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetSplit.Create(10, new SplitOptions(validation, test)));
        Assert.Contains("split.", e.Message);
    }
}
