using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data;

/// <summary>
/// A label's values together with the mask of which samples carry it. A missing label is a <c>false</c> mask bit;
/// the value in that slot is a placeholder (0) of the label's own dtype, never a change of dtype.
/// </summary>
/// <param name="Values">Class indices (<c>int64 [N]</c>), multi-label flags (<c>float32 [N, K]</c>) or values (<c>float32 [N, ...]</c>).</param>
/// <param name="Mask">Which samples carry the label (<c>bool [N]</c>).</param>
public sealed record LabelTensor(Tensor Values, Tensor Mask) : IDisposable
{
    /// <summary>The number of samples whose label is missing.</summary>
    public long MissingCount
    {
        get
        {
            using var present = Mask.sum();
            return Mask.shape[0] - present.item<long>();
        }
    }

    /// <summary>Disposes the values and the mask.</summary>
    public void Dispose()
    {
        Values.Dispose();
        Mask.Dispose();
    }
}
