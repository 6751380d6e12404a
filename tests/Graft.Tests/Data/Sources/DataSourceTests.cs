using Graft.Data;
using Graft.Data.Formats.NumPy;
using Graft.Data.Formats.Safetensors;
using Graft.Data.Sources;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Sources;

public class DataSourceTests
{
    [Fact]
    public void A_safetensors_file_opens_with_y_as_label()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var path = Path.Combine(dir, "d.safetensors");
        using (var x = rand(10, 3))
        using (var y = tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0 }))
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = x, ["y"] = y });
        var data = (TensorDataset)DataSource.Open(path);
        using (data)
        {
            Assert.Equal(10, data.Count);
            Assert.Equal(LabelKind.Class, data.Schema.Label("y").Kind);
            Assert.Equal(new long[] { 3 }, data.Schema.Feature("x").SampleShape);
        }
    }

    [Fact]
    public void An_npz_file_honours_declared_label_kinds_and_the_limit()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var path = Path.Combine(dir, "d.npz");
        using (var x = rand(10, 2))
        using (var t = tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }))
            NpzWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = x, ["age"] = t });
        var data = (TensorDataset)DataSource.Open(path, new DataSourceOptions(new Dictionary<string, LabelKind?> { ["age"] = LabelKind.Value }, Limit: 4));
        using (data)
        {
            Assert.Equal(4, data.Count);
            Assert.Equal(LabelKind.Value, data.Schema.Label("age").Kind);
        }
    }

    [Fact]
    public void An_unknown_extension_is_a_format_error_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var path = Path.Combine(dir, "notes.txt");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<DataFormatException>(() => DataSource.Open(path));
        Assert.Contains("notes.txt", e.Message);
        Assert.Contains(".csv", e.Message);
    }

    [Fact]
    public void A_name_that_is_nothing_lists_the_built_in_datasets()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DataSource.Open("fashion-mnsit"));
        Assert.Contains("fashion-mnist", e.Message);
    }
}
