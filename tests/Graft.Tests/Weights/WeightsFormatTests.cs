using System.Text;
using Graft.Weights;
using Graft.Weights.Formats;
using Graft.Weights.Loading;
using static TorchSharp.torch;

namespace Graft.Tests.Weights;

public class WeightsFormatTests
{
    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Weights", "Fixtures", "pytorch-state-dict.safetensors");

    [Fact]
    public void TorchSharp_module_save_files_read_as_state_dicts_and_written_ones_load_with_module_load()
    {
        using var folder = new WeightsFolder();
        var source = Nets.ConvNet(seed: 1);
        var saved = folder.File("saved.ckpt");
        source.save(saved);
        var read = WeightsFile.Read(saved, WeightsFormat.TorchSharp);
        Assert.Equal(source.state_dict().Keys, read.Keys);
        foreach (var (k, v) in source.state_dict()) Assert.True(Nets.Same(v, read[k]), k);
        Assert.Equal(ScalarType.Int64, read["bn.num_batches_tracked"].dtype);

        var written = folder.File("written.ckpt");
        WeightsFile.Write(written, read, WeightsFormat.TorchSharp);
        Assert.Equal(File.ReadAllBytes(saved), File.ReadAllBytes(written));
        var target = Nets.ConvNet(seed: 2);
        target.load(written);
        foreach (var (k, v) in source.state_dict()) Assert.True(Nets.Same(v, target.state_dict()[k]), k);
    }

    [Fact]
    public void Safetensors_round_trip_keeps_float16_bfloat16_int64_and_non_contiguous_tensors()
    {
        using var folder = new WeightsFolder();
        var tensors = new Dictionary<string, Tensor>
        {
            ["half"] = tensor(new[] { 0.5f, -1.25f, 2f }).to_type(ScalarType.Float16),
            ["brain"] = tensor(new[] { 1f, -2.5f }).to_type(ScalarType.BFloat16),
            ["count"] = tensor(7L),
            ["transposed"] = arange(12, dtype: ScalarType.Float32).reshape(4, 3).t(),
        };
        var path = folder.File("t.safetensors");
        WeightsFile.Write(path, tensors, WeightsFormat.Safetensors);
        var read = WeightsFile.Read(path);
        foreach (var (k, v) in tensors)
        {
            Assert.Equal(v.dtype, read[k].dtype);
            Assert.True(Nets.Same(v, read[k]), k);
        }
    }

    [Fact]
    public void A_truncated_TorchSharp_file_is_refused_with_its_name()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("t.ckpt");
        Nets.ConvNet().save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Read(path));
        Assert.Contains("t.ckpt", e.Message);
    }

    [Fact]
    public void The_PyTorch_fixture_reads_with_its_dtypes_and_values()
    {
        var state = WeightsFile.Read(Fixture);
        Assert.Equal(ScalarType.Int64, state["module.bn.num_batches_tracked"].dtype);
        Assert.Empty(state["module.bn.num_batches_tracked"].shape);
        Assert.Equal(7L, state["module.bn.num_batches_tracked"].item<long>());
        Assert.Equal(ScalarType.Float16, state["module.fc.bias"].dtype);
        Assert.Equal([0.5f, -1.25f, 2f], state["module.fc.bias"].to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, state["extra.bf16"].dtype);
        Assert.Equal([1f, -2.5f, 0.15625f, 3f], state["extra.bf16"].to_type(ScalarType.Float32).data<float>().ToArray());
        // Written from a transposed (non-contiguous) tensor: fc.weight[i][j] = 3 * j + i.
        var fc = state["module.fc.weight"];
        Assert.Equal([3L, 4L], fc.shape);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) Assert.Equal(3 * j + i, fc[i, j].item<float>());
        Assert.Equal(-0.5f, state["module.conv.weight"][0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void The_PyTorch_fixture_loads_into_a_TorchSharp_module_with_PyTorch_key_mapping()
    {
        var path = Fixture;
        var entry = new WeightsEntry { Name = "Fixture.PyTorch", Source = path, Sha256 = WeightsEntry.HashFile(path) };
        var module = nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("bn", nn.BatchNorm2d(4)), ("flat", nn.Flatten()), ("fc", nn.Linear(4, 3)));
        var report = WeightsLoader.Load(module, entry, new WeightsLoadOptions { Strict = false });
        Assert.Empty(report.MissingKeys);
        Assert.Equal(["extra.bf16"], report.UnexpectedKeys);
        var sd = module.state_dict();
        Assert.Equal(7L, sd["bn.num_batches_tracked"].item<long>());
        Assert.Equal(ScalarType.Float32, sd["fc.bias"].dtype);
        Assert.Equal(-1.25f, sd["fc.bias"][1].item<float>());
        Assert.Equal(5f, sd["fc.weight"][2, 1].item<float>());
        Assert.Equal(0.0625f, sd["bn.running_mean"][3].item<float>());
    }

    [Fact]
    public void Key_mapping_strips_wrapper_prefixes_and_applies_renames_in_order()
    {
        var map = KeyMapping.PyTorch with { Renames = [("^backbone\\.", "features."), ("\\.gamma$", ".weight")] };
        Assert.Equal("features.0.weight", map.Map("module._orig_mod.backbone.0.gamma"));
        Assert.Equal("fc.bias", KeyMapping.PyTorch.Map("fc.bias"));
        Assert.Equal("module.fc.bias", KeyMapping.None.Map("module.fc.bias"));
    }

    [Fact]
    public void The_fixture_script_is_committed_beside_the_fixture_it_documents()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "Graft.sln"))) root = Path.GetDirectoryName(root);
        Assert.NotNull(root);
        var script = File.ReadAllText(Path.Combine(root, "scripts", "make-safetensors-fixture.py"), Encoding.UTF8);
        Assert.Contains("num_batches_tracked", script);
        Assert.Contains("bfloat16", script);
        Assert.Contains("is_contiguous", script);
    }
}
