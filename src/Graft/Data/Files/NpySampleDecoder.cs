using Graft.Data.Formats.NumPy;
using static TorchSharp.torch;

namespace Graft.Data.Files;

/// <summary>Decodes <c>.npy</c> sample files (one tensor per sample, any shape) for lazy file datasets.</summary>
internal sealed class NpySampleDecoder : ISampleDecoder
{
    public string DefaultFeatureName => "x";

    public SampleLayout Probe(string path)
    {
        using var t = NpyReader.Read(path);
        return new SampleLayout(t.shape, t.dtype);
    }

    public Tensor Decode(string path, SampleLayout expected, string expectedSource)
    {
        var t = NpyReader.Read(path);
        if (!expected.Matches(t.shape, t.dtype))
        {
            var found = new SampleLayout(t.shape, t.dtype);
            t.Dispose();
            throw new DataFormatException(path, $"the sample is {found} but {expectedSource} is {expected}; every sample file must have the same shape and dtype.");
        }

        return t;
    }
}
