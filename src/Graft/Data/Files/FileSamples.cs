using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Files;

/// <summary>
/// The sample files of a lazy dataset and how to decode them into one batch tensor. Immutable after construction, so
/// <see cref="Load"/> is safe to call from several threads at once.
/// </summary>
internal sealed class FileSamples
{
    private readonly string[] _paths;
    private readonly ISampleDecoder[] _decoders;
    private readonly SampleLayout _layout;
    private readonly string _layoutSource;

    /// <summary>Creates the sample set; the layout is probed from the first file.</summary>
    /// <param name="paths">The full path of every sample file, in sample order (at least one).</param>
    /// <param name="decoders">The decoder of each file.</param>
    /// <param name="layoutSource">Describes the first file for error messages, e.g. <c>the first image, cat/1.png</c>.</param>
    public FileSamples(string[] paths, ISampleDecoder[] decoders, string layoutSource)
    {
        _paths = paths;
        _decoders = decoders;
        _layoutSource = layoutSource;
        _layout = decoders[0].Probe(paths[0]);
    }

    /// <summary>The number of samples.</summary>
    public long Count => _paths.Length;

    /// <summary>The layout every sample decodes to.</summary>
    public SampleLayout Layout => _layout;

    /// <summary>The full paths of the sample files in sample order.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <summary>Checks <paramref name="indices"/> against the sample count and returns them as an array.</summary>
    public long[] CheckIndices(ReadOnlySpan<long> indices)
    {
        var idx = indices.ToArray();
        foreach (var i in idx)
            if (i < 0 || i >= _paths.Length)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Sample index {i} is outside the dataset (0..{_paths.Length - 1}).");
        return idx;
    }

    /// <summary>
    /// Decodes the samples at <paramref name="indices"/> into a new tensor <c>[B, ...layout]</c>, detached from any
    /// dispose scope (the caller owns it).
    /// </summary>
    public Tensor Load(long[] indices)
    {
        using var scope = torch.NewDisposeScope();
        Tensor result;
        if (indices.Length == 0)
        {
            result = torch.empty([0, .. _layout.Shape], _layout.DType);
        }
        else
        {
            var samples = new Tensor[indices.Length];
            for (int k = 0; k < indices.Length; k++)
            {
                long i = indices[k];
                var sample = _decoders[i].Decode(_paths[i], _layout, _layoutSource);
                if (!_layout.Matches(sample.shape, sample.dtype))
                    throw new DataFormatException(_paths[i],
                        $"the sample decodes to {sample.dtype} [{string.Join(", ", sample.shape)}] but the dataset's samples are {_layout} (the layout of {_layoutSource}).");
                samples[k] = sample;
            }

            result = torch.stack(samples);
        }

        result.DetachFromDisposeScope();
        return result;
    }
}
