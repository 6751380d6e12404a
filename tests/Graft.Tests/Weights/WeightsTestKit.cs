using Graft.Weights;
using Graft.Weights.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Weights;

/// <summary>A temporary folder and small modules for the weights tests.</summary>
internal sealed class WeightsFolder : IDisposable
{
    public WeightsFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Saves <paramref name="module"/>'s state to <paramref name="name"/> and returns an entry for it with its true digest.</summary>
    public WeightsEntry Save(nn.Module module, string name, string entryName = "TestWeights.V1", WeightsFormat? format = null)
    {
        var path = File(name);
        WeightsFile.Write(path, WeightsFile.StateOf(module), format ?? WeightsFormats.FromPath(path));
        return new WeightsEntry { Name = entryName, Source = path, Sha256 = WeightsEntry.HashFile(path), Format = format ?? WeightsFormats.FromPath(path) };
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

internal static class Nets
{
    /// <summary>conv (in -> 4 channels) + batch norm + a linear classifier to <paramref name="classes"/>.</summary>
    public static nn.Module<Tensor, Tensor> ConvNet(int inputChannels = 1, int classes = 3, long seed = 0)
    {
        manual_seed(seed);
        return nn.Sequential(
            ("conv", nn.Conv2d(inputChannels, 4, 3, padding: 1)), ("bn", nn.BatchNorm2d(4)), ("relu", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten()), ("fc", nn.Linear(4, classes)));
    }

    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.to_type(ScalarType.Float64).eq(b.to_type(ScalarType.Float64)).all().item<bool>();
}
