using Graft.Data;
using Graft.Data.Files;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Files;

public class FileIndexDatasetTests
{
    [Fact]
    public void Text_integer_and_real_label_columns_get_their_kinds_and_empty_cells_are_missing()
    {
        using var tmp = new TempFolder();
        for (int i = 0; i < 4; i++) TestImages.SolidGrayPng(tmp.File($"set/img/{i}.png"), 2, 2, (byte)(i * 10));
        var index = tmp.WriteText("set/index.csv",
            "path,species,count,weight\n" +
            "img/0.png,dog,2,1.5\n" +
            "img/1.png,cat,,\n" +
            "img/2.png,,0,2.25\n" +
            "img/3.png,ant,1,NaN\n");

        var data = new FileIndexDataset(index);

        Assert.Equal(4, data.Count);
        Assert.Equal(new long[] { 1, 2, 2 }, data.Schema.Feature("image").SampleShape);
        var species = data.Schema.Label("species");
        Assert.Equal(LabelKind.Class, species.Kind);
        Assert.Equal(new[] { "ant", "cat", "dog" }, species.Classes);
        var count = data.Schema.Label("count");
        Assert.Equal(LabelKind.Class, count.Kind);
        Assert.Equal(new[] { "0", "1", "2" }, count.Classes);
        Assert.Equal(LabelKind.Value, data.Schema.Label("weight").Kind);

        using var batch = data.GetBatch([0, 1, 2, 3]);
        Assert.Equal(new long[] { 2, 1, 0, 0 }, batch["species"].data<long>().ToArray());
        Assert.Equal(new[] { true, true, false, true }, batch.Mask("species").data<bool>().ToArray());
        Assert.Equal(new long[] { 2, 0, 0, 1 }, batch["count"].data<long>().ToArray());
        Assert.Equal(new[] { true, false, true, true }, batch.Mask("count").data<bool>().ToArray());
        Assert.Equal(ScalarType.Float32, batch["weight"].dtype);
        Assert.Equal(new[] { 1.5f, 0f, 2.25f, 0f }, batch["weight"].data<float>().ToArray());
        Assert.Equal(new[] { true, false, true, false }, batch.Mask("weight").data<bool>().ToArray());
        Assert.Equal(new[] { 0f, 10f, 20f, 30f }, Enumerable.Range(0, 4).Select(i => MathF.Round(batch["image"][i, 0, 1, 1].item<float>() * 255f)));
    }

    [Fact]
    public void Paths_are_relative_to_the_index_folder_and_may_be_quoted()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("a/pics/one, two.png"), 3, 3, seed: 5);
        TestImages.GrayPng(tmp.File("a/b/three.png"), 3, 3, seed: 9);
        var index = tmp.WriteText("a/b/index.csv",
            "label,path\n" +
            "\n" +
            "x, \"../pics/one, two.png\"\n" +
            "y,three.png\n");

        var data = new FileIndexDataset(index);

        Assert.Equal(new[] { Path.GetFullPath(tmp.File("a/pics/one, two.png")), Path.GetFullPath(tmp.File("a/b/three.png")) }, data.Files);
        using var batch = data.GetBatch([1, 0]);
        Assert.Equal(9f / 255f, batch["image"][0, 0, 0, 0].item<float>());
        Assert.Equal(5f / 255f, batch["image"][1, 0, 0, 0].item<float>());
        Assert.Equal(new long[] { 1, 0 }, batch["label"].data<long>().ToArray());
    }

    [Fact]
    public void A_missing_sample_file_names_the_index_file_line_and_path()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("0.png"), 2, 2);
        var index = tmp.WriteText("index.csv", "path,label\n0.png,a\n\nmissing/7.png,b\n");

        var error = Assert.Throws<DataFormatException>(() => new FileIndexDataset(index));

        Assert.Equal(index, error.Path);
        Assert.Equal("line 4", error.Location);
        Assert.Contains("index.csv (line 4)", error.Message);
        Assert.Contains("'missing/7.png' does not exist", error.Message);
    }

    [Fact]
    public void A_line_with_the_wrong_field_count_names_its_line_number()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("0.png"), 2, 2);
        var index = tmp.WriteText("index.csv", "path,a,b\n0.png,1,2\n0.png,1\n");

        var error = Assert.Throws<DataFormatException>(() => new FileIndexDataset(index));

        Assert.Contains("index.csv (line 3)", error.Message);
        Assert.Contains("found 2 fields but the header has 3 (path,a,b)", error.Message);
    }

    [Fact]
    public void An_index_without_a_path_column_or_samples_is_rejected()
    {
        using var tmp = new TempFolder();
        var noPath = Assert.Throws<DataFormatException>(() => new FileIndexDataset(tmp.WriteText("a.csv", "file,label\nx.png,1\n")));
        Assert.Contains("a.csv (line 1)", noPath.Message);
        Assert.Contains("no 'path' column", noPath.Message);

        var noRows = Assert.Throws<DataFormatException>(() => new FileIndexDataset(tmp.WriteText("b.csv", "path,label\n")));
        Assert.Contains("b.csv (line 2)", noRows.Message);
        Assert.Contains("no samples", noRows.Message);

        var empty = Assert.Throws<DataFormatException>(() => new FileIndexDataset(tmp.WriteText("c.csv", "")));
        Assert.Contains("c.csv (line 1)", empty.Message);

        var twice = Assert.Throws<DataFormatException>(() => new FileIndexDataset(tmp.WriteText("d.csv", "path,x,x\n")));
        Assert.Contains("'x' twice", twice.Message);

        Assert.Throws<FileNotFoundException>(() => new FileIndexDataset(tmp.File("none.csv")));
    }

    [Fact]
    public void A_sample_file_of_an_unsupported_kind_names_the_extension_and_the_supported_ones()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("x.wav"), new byte[16]);
        var index = tmp.WriteText("index.csv", "path\nx.wav\n");

        var error = Assert.Throws<DataFormatException>(() => new FileIndexDataset(index));

        Assert.Contains("index.csv (line 2)", error.Message);
        Assert.Contains("'.wav'", error.Message);
        Assert.Contains(".png, .jpg, .jpeg, .bmp, .npy", error.Message);
    }

    [Fact]
    public void Npy_sample_files_load_lazily_and_a_mismatched_one_names_both_layouts()
    {
        using var tmp = new TempFolder();
        using (var a = TorchSharp.torch.arange(6, TorchSharp.torch.ScalarType.Float32).reshape(2, 3))
        using (var b = TorchSharp.torch.ones(2, 3))
        using (var c = TorchSharp.torch.ones(3, 3))
        {
            Graft.Data.Formats.NumPy.NpyWriter.Write(tmp.File("a.npy"), a);
            Graft.Data.Formats.NumPy.NpyWriter.Write(tmp.File("b.npy"), b);
            Graft.Data.Formats.NumPy.NpyWriter.Write(tmp.File("c.npy"), c);
        }

        var data = new FileIndexDataset(tmp.WriteText("index.csv", "path,y\na.npy,0\nb.npy,1\nc.npy,1\n"));
        Assert.Equal(new long[] { 2, 3 }, data.Schema.Feature("x").SampleShape);
        using (var batch = data.GetBatch(new long[] { 0, 1 }))
            Assert.Equal(15f + 6f, batch["x"].sum().item<float>());
        var error = Assert.Throws<DataFormatException>(() => data.GetBatch(new long[] { 2 }).Dispose());
        Assert.Contains("c.npy", error.Message);
        Assert.Contains("[3, 3]", error.Message);
        Assert.Contains("[2, 3]", error.Message);
    }

    [Fact]
    public void Declared_kinds_override_inference_and_text_in_a_value_column_is_an_error()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("0.png"), 2, 2);
        var index = tmp.WriteText("index.csv", "path,age,name\n0.png,3,bo\n0.png,5,al\n");

        var data = new FileIndexDataset(index, new FileIndexOptions { LabelKinds = new Dictionary<string, LabelKind> { ["age"] = LabelKind.Value } });
        Assert.Equal(LabelKind.Value, data.Schema.Label("age").Kind);
        using (var batch = data.GetBatch([0, 1])) Assert.Equal(new[] { 3f, 5f }, batch["age"].data<float>().ToArray());

        var text = Assert.Throws<DataFormatException>(() =>
            new FileIndexDataset(index, new FileIndexOptions { LabelKinds = new Dictionary<string, LabelKind> { ["name"] = LabelKind.Value } }));
        Assert.Contains("index.csv (line 2, column \"name\")", text.Message);
        Assert.Contains("'bo'", text.Message);

        var unknown = Assert.Throws<ArgumentException>(() =>
            new FileIndexDataset(index, new FileIndexOptions { LabelKinds = new Dictionary<string, LabelKind> { ["height"] = LabelKind.Value } }));
        Assert.Contains("'height'", unknown.Message);
    }

    [Fact]
    public void A_negative_number_in_a_declared_class_column_names_line_and_column()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("0.png"), 2, 2);
        var index = tmp.WriteText("index.csv", "path,c\n0.png,1\n0.png,-2\n");

        var error = Assert.Throws<DataFormatException>(() =>
            new FileIndexDataset(index, new FileIndexOptions { LabelKinds = new Dictionary<string, LabelKind> { ["c"] = LabelKind.Class } }));

        Assert.Contains("index.csv (line 3, column \"c\")", error.Message);
        Assert.Contains("'-2' is not a class index", error.Message);
    }

    [Fact]
    public void A_sample_of_another_size_fails_its_batch_naming_the_file()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("0.png"), 2, 2);
        TestImages.GrayPng(tmp.File("1.png"), 3, 2);
        var index = tmp.WriteText("index.csv", "path\n0.png\n1.png\n");

        var data = new FileIndexDataset(index);
        Assert.Empty(data.Schema.Labels);
        var error = Assert.Throws<DataFormatException>(() => data.GetBatch([1]));

        Assert.EndsWith("1.png", error.Path);
        Assert.Contains("3x2", error.Message);
        Assert.Contains("2x2", error.Message);
        Assert.Contains("0.png on line 2 of index.csv", error.Message);
    }

    [Fact]
    public void A_label_column_named_like_the_feature_is_rejected()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("0.png"), 2, 2);
        var index = tmp.WriteText("index.csv", "path;image\n0.png;1\n");

        var error = Assert.Throws<DataFormatException>(() => new FileIndexDataset(index, new FileIndexOptions { Delimiter = ';' }));
        Assert.Contains("index.csv (line 1)", error.Message);
        Assert.Contains("FeatureName", error.Message);

        var renamed = new FileIndexDataset(index, new FileIndexOptions { Delimiter = ';', FeatureName = "pixels" });
        Assert.Equal("pixels", renamed.Schema.Features[0].Name);
        Assert.Equal("image", renamed.Schema.Labels[0].Name);
    }

    [Fact]
    public void GetBatch_from_several_threads_gives_the_same_tensors_as_from_one()
    {
        using var tmp = new TempFolder();
        var lines = new List<string> { "path,y" };
        for (int i = 0; i < 10; i++)
        {
            TestImages.GrayPng(tmp.File($"{i}.png"), 4, 4, seed: i * 11);
            lines.Add($"{i}.png,{i * 0.5}");
        }

        var data = new FileIndexDataset(tmp.WriteText("index.csv", string.Join("\n", lines)));
        long[] all = Enumerable.Range(0, 10).Select(i => (long)i).ToArray();
        float[] expectedImages, expectedLabels;
        using (var batch = data.GetBatch(all))
        {
            expectedImages = batch["image"].data<float>().ToArray();
            expectedLabels = batch["y"].data<float>().ToArray();
        }

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int rep = 0; rep < 5; rep++)
            {
                using var batch = data.GetBatch(all);
                Assert.Equal(expectedImages, batch["image"].data<float>().ToArray());
                Assert.Equal(expectedLabels, batch["y"].data<float>().ToArray());
            }
        });
    }
}
