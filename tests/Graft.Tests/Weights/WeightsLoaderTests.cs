using Graft.Weights;
using Graft.Weights.Formats;
using Graft.Weights.Loading;
using static TorchSharp.torch;

namespace Graft.Tests.Weights;

public class WeightsLoaderTests
{
    [Fact]
    public void Loading_copies_every_parameter_and_buffer_of_a_matching_module()
    {
        using var folder = new WeightsFolder();
        var source = Nets.ConvNet(seed: 1);
        var entry = folder.Save(source, "net.safetensors");
        var target = Nets.ConvNet(seed: 2);
        var report = WeightsLoader.Load(target, entry);
        foreach (var (name, t) in source.state_dict()) Assert.True(Nets.Same(t, target.state_dict()[name]), name);
        Assert.Equal(source.state_dict().Count, report.Loaded.Count);
        Assert.Empty(report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
    }

    [Fact]
    public void A_digest_mismatch_is_refused_naming_the_entry_and_both_digests_and_nothing_is_loaded()
    {
        using var folder = new WeightsFolder();
        var entry = folder.Save(Nets.ConvNet(seed: 1), "net.ckpt");
        var bytes = File.ReadAllBytes(entry.Source);
        bytes[^1] ^= 0x01; // one flipped bit in the last weight
        File.WriteAllBytes(entry.Source, bytes);
        var target = Nets.ConvNet(seed: 2);
        var before = target.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var e = Assert.Throws<WeightsVerificationException>(() => WeightsLoader.Load(target, entry));
        var actual = WeightsEntry.HashFile(entry.Source);
        Assert.Contains("TestWeights.V1", e.Message);
        Assert.Contains(entry.Sha256, e.Message);
        Assert.Contains(actual, e.Message);
        Assert.Equal(entry.Sha256, e.Expected);
        Assert.Equal(actual, e.Actual);
        foreach (var (name, t) in target.state_dict()) Assert.True(Nets.Same(before[name], t), name);
    }

    [Fact]
    public void An_entry_made_from_a_file_refuses_the_file_once_it_changes()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("net.ckpt");
        WeightsFile.Write(path, WeightsFile.StateOf(Nets.ConvNet(seed: 1)), WeightsFormat.TorchSharp);
        var entry = WeightsEntry.FromFile(path);
        WeightsFile.Write(path, WeightsFile.StateOf(Nets.ConvNet(seed: 3)), WeightsFormat.TorchSharp);
        Assert.Throws<WeightsVerificationException>(() => WeightsLoader.Load(Nets.ConvNet(), entry));
    }

    [Fact]
    public void A_sha256_file_beside_a_weights_file_is_the_expected_digest()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("net.safetensors");
        WeightsFile.Write(path, WeightsFile.StateOf(Nets.ConvNet(seed: 1)), WeightsFormat.Safetensors);
        File.WriteAllText(path + ".sha256", new string('0', 64) + "  net.safetensors\n");
        var e = Assert.Throws<WeightsVerificationException>(() => WeightsLoader.Load(Nets.ConvNet(), WeightsEntry.FromFile(path)));
        Assert.Equal(new string('0', 64), e.Expected);
    }

    [Fact]
    public void A_per_model_checkpoint_carries_its_digest_and_a_changed_checkpoint_is_refused()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("encoder.ckpt");
        Graft.Training.Checkpoints.ModelWeightsFile.Save(path, Nets.ConvNet(seed: 1));
        Assert.StartsWith(WeightsEntry.HashFile(path) + "  encoder.ckpt", File.ReadAllText(path + ".sha256"));
        var report = WeightsLoader.Load(Nets.ConvNet(seed: 2), WeightsResolver.Default.Resolve(path));
        Assert.Empty(report.MissingKeys);
        Nets.ConvNet(seed: 3).save(path); // replaced behind the run's back
        Assert.Throws<WeightsVerificationException>(() => WeightsLoader.Load(Nets.ConvNet(), WeightsResolver.Default.Resolve(path)));
    }

    [Fact]
    public void One_input_channel_is_adapted_to_three_by_repeating_and_scaling_by_one_third()
    {
        using var folder = new WeightsFolder();
        var source = Nets.ConvNet(inputChannels: 1, seed: 1);
        var entry = folder.Save(source, "net.safetensors");
        var target = Nets.ConvNet(inputChannels: 3, seed: 2);
        var report = WeightsLoader.Load(target, entry, new WeightsLoadOptions { AdaptInputChannels = true });
        var w = source.state_dict()["conv.weight"];
        var adapted = target.state_dict()["conv.weight"];
        for (int c = 0; c < 3; c++) Assert.True(adapted.narrow(1, c, 1).allclose(w / 3.0, 1e-6, 1e-7));
        Assert.Contains(report.Adapted, a => a.StartsWith("conv.weight: 1 -> 3", StringComparison.Ordinal));
        // On grey images repeated to RGB the adapted model computes what the original computes on the grey image.
        source.eval();
        target.eval();
        var grey = rand(2, 1, 8, 8);
        Assert.True(source.call(grey).allclose(target.call(grey.expand(2, 3, 8, 8)), 1e-5, 1e-5));
    }

    [Fact]
    public void Three_input_channels_are_adapted_to_one_by_summing()
    {
        using var folder = new WeightsFolder();
        var source = Nets.ConvNet(inputChannels: 3, seed: 1);
        var entry = folder.Save(source, "net.safetensors");
        var target = Nets.ConvNet(inputChannels: 1, seed: 2);
        WeightsLoader.Load(target, entry, new WeightsLoadOptions { AdaptInputChannels = true });
        Assert.True(target.state_dict()["conv.weight"].allclose(source.state_dict()["conv.weight"].sum(1, keepdim: true), 1e-6, 1e-6));
    }

    [Fact]
    public void Other_input_channels_without_adaptation_are_refused_naming_the_tensor_and_both_shapes()
    {
        using var folder = new WeightsFolder();
        var entry = folder.Save(Nets.ConvNet(inputChannels: 1), "net.safetensors");
        var e = Assert.Throws<WeightsException>(() => WeightsLoader.Load(Nets.ConvNet(inputChannels: 3), entry));
        Assert.Contains("'conv.weight'", e.Message);
        Assert.Contains("[4, 1, 3, 3]", e.Message);
        Assert.Contains("[4, 3, 3, 3]", e.Message);
    }

    [Fact]
    public void A_classifier_with_another_class_count_is_dropped_and_kept_fresh_when_asked()
    {
        using var folder = new WeightsFolder();
        var source = Nets.ConvNet(classes: 3, seed: 1);
        var entry = folder.Save(source, "net.safetensors");
        var target = Nets.ConvNet(classes: 5, seed: 2);
        var fresh = target.state_dict()["fc.weight"].clone();
        var report = WeightsLoader.Load(target, entry, new WeightsLoadOptions { ReplaceClassifier = true });
        Assert.Equal(["fc.weight", "fc.bias"], report.Reinitialised.Order().Reverse());
        Assert.True(Nets.Same(fresh, target.state_dict()["fc.weight"]));
        Assert.True(Nets.Same(source.state_dict()["conv.weight"], target.state_dict()["conv.weight"]));
        var e = Assert.Throws<WeightsException>(() => WeightsLoader.Load(Nets.ConvNet(classes: 5), entry));
        Assert.Contains("'fc.weight'", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("[5, 4]", e.Message);
    }

    [Fact]
    public void A_non_strict_load_reports_missing_and_unexpected_tensors_and_a_strict_one_refuses_them()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("partial.safetensors");
        var state = WeightsFile.StateOf(Nets.ConvNet(seed: 1));
        var partial = state.Where(kv => !kv.Key.StartsWith("bn.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        partial["head.extra"] = ones(2);
        WeightsFile.Write(path, partial, WeightsFormat.Safetensors);
        var entry = WeightsEntry.FromFile(path);
        var report = WeightsLoader.Load(Nets.ConvNet(seed: 2), entry, new WeightsLoadOptions { Strict = false });
        Assert.Equal(["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], report.MissingKeys);
        Assert.Equal(["head.extra"], report.UnexpectedKeys);
        Assert.Contains("5 missing", report.ToString());
        var e = Assert.Throws<WeightsException>(() => WeightsLoader.Load(Nets.ConvNet(), entry));
        Assert.Contains("missing in the file: bn.weight", e.Message);
        Assert.Contains("not in the module: head.extra", e.Message);
    }

    [Fact]
    public void A_shape_mismatch_outside_the_first_conv_and_classifier_names_the_tensor_and_shapes()
    {
        using var folder = new WeightsFolder();
        var path = folder.File("bad.safetensors");
        var state = WeightsFile.StateOf(Nets.ConvNet(seed: 1)).ToDictionary(kv => kv.Key, kv => kv.Value);
        state["bn.running_mean"] = zeros(6);
        WeightsFile.Write(path, state, WeightsFormat.Safetensors);
        var e = Assert.Throws<WeightsException>(() => WeightsLoader.Load(Nets.ConvNet(), WeightsEntry.FromFile(path), new WeightsLoadOptions { Strict = false, AdaptInputChannels = true, ReplaceClassifier = true }));
        Assert.Contains("'bn.running_mean' has shape [6] in the file but [4] in the module", e.Message);
    }
}
