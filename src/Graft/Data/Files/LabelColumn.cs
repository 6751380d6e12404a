using static TorchSharp.torch;

namespace Graft.Data.Files;

/// <summary>
/// One label of a lazy dataset, held in managed arrays (labels are small) and gathered into tensors per batch.
/// Immutable, so <see cref="Gather"/> is safe to call from several threads.
/// </summary>
internal sealed class LabelColumn
{
    private readonly long[]? _classIndices;
    private readonly float[]? _values;
    private readonly bool[] _mask;

    private LabelColumn(LabelInfo info, long[]? classIndices, float[]? values, bool[] mask)
    {
        Info = info;
        _classIndices = classIndices;
        _values = values;
        _mask = mask;
    }

    /// <summary>The label's name, kind and classes.</summary>
    public LabelInfo Info { get; }

    /// <summary>A class label: one class index per sample (any value where the mask is false).</summary>
    public static LabelColumn Classes(string name, long[] indices, bool[] mask, IReadOnlyList<string> classes) =>
        new(new LabelInfo(name, LabelKind.Class, [], classes), indices, null, mask);

    /// <summary>A value label: one real value per sample (any value where the mask is false).</summary>
    public static LabelColumn Values(string name, float[] values, bool[] mask) =>
        new(new LabelInfo(name, LabelKind.Value, [], null), null, values, mask);

    /// <summary>The label values and mask of the samples at <paramref name="indices"/>, detached from any dispose scope.</summary>
    public LabelTensor Gather(long[] indices)
    {
        var mask = new bool[indices.Length];
        Tensor values;
        if (_classIndices is not null)
        {
            var picked = new long[indices.Length];
            for (int k = 0; k < indices.Length; k++)
            {
                mask[k] = _mask[indices[k]];
                picked[k] = mask[k] ? _classIndices[indices[k]] : 0;
            }

            values = TorchSharp.torch.tensor(picked, ScalarType.Int64);
        }
        else
        {
            var picked = new float[indices.Length];
            for (int k = 0; k < indices.Length; k++)
            {
                mask[k] = _mask[indices[k]];
                picked[k] = mask[k] ? _values![indices[k]] : 0f;
            }

            values = TorchSharp.torch.tensor(picked, ScalarType.Float32);
        }

        var maskTensor = TorchSharp.torch.tensor(mask, ScalarType.Bool);
        values.DetachFromDisposeScope();
        maskTensor.DetachFromDisposeScope();
        return new LabelTensor(values, maskTensor);
    }
}
