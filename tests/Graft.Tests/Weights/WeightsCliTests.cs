using Graft.Cli;
using Graft.Weights.Formats;

namespace Graft.Tests.Weights;

public class WeightsCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Graft.Tests.Cli.Cli.Run(args);

    [Fact]
    public void Weights_list_shows_every_built_in_entry_and_filters_by_builder()
    {
        var (code, output, _) = Run("weights", "list");
        Assert.Equal(0, code);
        Assert.Contains("SmallCnnWeights.FashionMnistV1", output);
        Assert.Contains("ResNet8Weights.FashionMnistV1", output);
        Assert.Contains("MlpWeights.IrisV1", output);
        var (_, mlp, _) = Run("weights", "list", "--builder", "mlp");
        Assert.DoesNotContain("SmallCnnWeights", mlp);
    }

    [Fact]
    public void Weights_show_prints_the_digest_preprocessing_and_typed_metadata()
    {
        var (code, output, _) = Run("weights", "show", "SmallCnnWeights.FashionMnistV1", "--recipe");
        Assert.Equal(0, code);
        Assert.Contains("sha256:        " + Graft.Models.Pretrained.SmallCnnWeights.FashionMnistV1.Sha256, output);
        Assert.Contains("preprocessing: resize 28x28", output);
        Assert.Contains("categories:    T-shirt/top", output);
        Assert.Contains("on fashion-mnist:test[:1000]", output);
        Assert.Contains("builder: small_cnn", output);
    }

    [Fact]
    public void Weights_verify_checks_every_built_in_entry()
    {
        var (code, output, err) = Run("weights", "verify", "--tag", "built-in");
        Assert.True(code == 0, err);
        Assert.Contains("ok  MlpWeights.IrisV1", output);
        Assert.Contains("ok  ResNet8Weights.FashionMnistV1", output);
    }

    [Fact]
    public void Weights_export_writes_TorchSharp_and_safetensors_files_with_their_digest()
    {
        using var folder = new WeightsFolder();
        var ts = folder.File("iris.ckpt");
        var (code, output, err) = Run("weights", "export", "MlpWeights.IrisV1", "--output", ts);
        Assert.True(code == 0, err);
        Assert.Contains("torchsharp", output);
        var model = Graft.Models.Pretrained.Models.Mlp(inputs: 4, classes: 3, options: null);
        var fresh = new Graft.Models.Builders.Mlp(4, 3, [32, 16]);
        fresh.load(ts);
        var original = Graft.Models.Pretrained.Models.Mlp(weights: Graft.Models.Pretrained.MlpWeights.IrisV1);
        foreach (var (k, v) in original.state_dict()) Assert.True(Nets.Same(v, fresh.state_dict()[k]), k);
        Assert.StartsWith(Graft.Weights.WeightsEntry.HashFile(ts), File.ReadAllText(ts + ".sha256"));

        var st = folder.File("iris.safetensors");
        Assert.Equal(0, Run("weights", "export", "MlpWeights.IrisV1", "--output", st).Code);
        Assert.Equal(original.state_dict().Keys.Order(), WeightsFile.Read(st).Keys.Order());
        model.Dispose();
    }

    [Fact]
    public void An_unknown_entry_prints_one_error_line_and_exits_1()
    {
        var (code, _, err) = Run("weights", "show", "SmallCnnWeights.FashionMnist");
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("SmallCnnWeights.FashionMnistV1", err);
    }

    [Fact]
    public void A_tampered_file_fails_verification_with_one_error_line()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("t.safetensors");
        Assert.Equal(0, Run("weights", "export", "MlpWeights.IrisV1", "--output", path).Code);
        File.WriteAllText(path + ".sha256", new string('f', 64) + "\n");
        var (code, _, err) = Run("weights", "verify", path);
        Assert.Equal(1, code);
        Assert.StartsWith("error: weights file:", err);
        Assert.Contains("expected " + new string('f', 64), err);
    }
}
