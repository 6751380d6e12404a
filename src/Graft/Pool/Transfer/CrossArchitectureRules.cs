using static TorchSharp.torch;

namespace Graft.Pool.Transfer;

/// <summary>
/// Tensors of the same rank and other sizes, filled so the target computes what the source computed (dogwood's
/// function-preserving widening): each original unit copies its source weights; inputs the source did not have get
/// zero weights, so new units never change the original units' outputs; new units keep their fresh incoming weights
/// (they start learning through their zero outgoing weights). Larger kernels get the source kernel in their centre and
/// zeros around it (exact with "same" padding); smaller ones take its centre. A narrower target takes the leading units
/// of every layer — the same index set along every connected dimension (weight selection). Works through
/// convolution → flatten → linear (channel-major blocks), batch norm (per-channel statistics) and residual streams.
/// </summary>
public sealed class ResizeRule : ITransferRule
{
    /// <inheritdoc />
    public string Name => "resize";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (match.Source is null) return null;
        var sourceTensors = match.Source.Tensors.ToDictionary(t => t.Name);
        if (match.Target.Tensors.Any(t => sourceTensors.TryGetValue(t.Name, out var st) && st.Shape.Length != t.Shape.Length)) return null;
        using var _ = no_grad();
        foreach (var t in match.Target.Tensors)
        {
            var into = target[match.Target.Key(t.Name)];
            if (!sourceTensors.ContainsKey(t.Name))
            {
                // A bias the source layer does not have is a bias of zero there.
                if (t.Name == "bias") into.zero_();
                continue;
            }

            var from = source[match.Source.Key(t.Name)];
            if (from.dim() == 0)
            {
                into.copy_(from);
                continue;
            }

            using var scope = NewDisposeScope();
            long rows = Math.Min(from.shape[0], into.shape[0]);
            // The original units' slice of the target: zeroed first when it has inputs, so inputs the source lacks weigh 0.
            var dest = into.narrow(0, 0, rows);
            var src = from.narrow(0, 0, rows);
            if (from.dim() >= 2) dest.zero_();
            for (int d = 1; d < from.dim(); d++)
            {
                long a = src.shape[d], b = dest.shape[d];
                if (d >= 2 && a != b)
                {
                    // Kernel dimensions: centre the smaller in the larger.
                    long offset = Math.Abs(a - b) / 2;
                    if (a < b) dest = dest.narrow(d, offset, a);
                    else src = src.narrow(d, offset, b);
                }
                else
                {
                    long length = Math.Min(a, b);
                    src = src.narrow(d, 0, length);
                    dest = dest.narrow(d, 0, length);
                }
            }

            dest.copy_(src);
        }

        var sw = match.Source.WeightShape;
        var tw = match.Target.WeightShape;
        return Describe(sw, tw);
    }

    private static string Describe(long[] source, long[] target)
    {
        var parts = new List<string>();
        if (source[0] != target[0]) parts.Add(source[0] < target[0] ? $"widened {source[0]} -> {target[0]} units (new units fresh, feeding zero weights)" : $"selected {target[0]} of {source[0]} units");
        if (source.Length > 1 && source[1] != target[1]) parts.Add(source[1] < target[1] ? $"{target[1] - source[1]} new inputs weigh 0" : $"selected {target[1]} of {source[1]} inputs");
        if (source.Length > 2 && !source.Skip(2).SequenceEqual(target.Skip(2)))
            parts.Add($"kernel {string.Join("x", source.Skip(2))} -> {string.Join("x", target.Skip(2))} ({(source[2] < target[2] ? "zero-padded" : "centre-cropped")})");
        return parts.Count == 0 ? "copied" : string.Join("; ", parts);
    }
}

/// <summary>
/// A target layer with no source counterpart inside an inserted residual block: the block's last layer is zeroed, so
/// the block adds nothing and computes the identity whatever its other layers hold (those keep their fresh weights).
/// </summary>
public sealed class InsertedResidualBlockRule : ITransferRule
{
    /// <inheritdoc />
    public string Name => "inserted block";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (match.Source is not null || !match.InInsertedResidualBlock) return null;
        if (!match.IsInsertedBlockEnd) return "fresh (inside an inserted residual block whose last layer is zero)";
        using var _ = no_grad();
        foreach (var t in match.Target.Tensors.Where(t => !t.IsBuffer))
            target[match.Target.Key(t.Name)].zero_();
        return "zeroed: the inserted residual block computes the identity";
    }
}

/// <summary>
/// A target layer with no source counterpart, outside residual blocks (Net2DeeperNet): a square linear layer becomes
/// the identity (exact after a ReLU), a convolution with as many outputs as inputs and an odd kernel a Dirac kernel,
/// a batch norm the identity in evaluation mode (weight √(var + ε), bias = mean). Other layers keep their fresh weights.
/// </summary>
public sealed class IdentityRule : ITransferRule
{
    /// <summary>The batch-norm ε assumed (TorchSharp's and PyTorch's default).</summary>
    public const double BatchNormEpsilon = 1e-5;

    /// <inheritdoc />
    public string Name => "identity";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (match.Source is not null || match.InInsertedResidualBlock) return null;
        var layer = match.Target;
        Tensor T(string name) => target[layer.Key(name)];
        bool Has(string name) => layer.Tensors.Any(t => t.Name == name);
        using var _ = no_grad();
        var w = layer.WeightShape;
        if (layer.Type.StartsWith("BatchNorm", StringComparison.Ordinal) && Has("weight") && Has("running_var"))
        {
            using var scale = (T("running_var") + BatchNormEpsilon).sqrt();
            T("weight").copy_(scale);
            if (Has("bias") && Has("running_mean")) T("bias").copy_(T("running_mean"));
            return "identity in evaluation mode (weight = sqrt(var + eps), bias = mean)";
        }

        if (layer.Type == "Linear" && w.Length == 2 && w[0] == w[1])
        {
            using var identity = eye(w[0], dtype: T("weight").dtype);
            T("weight").copy_(identity);
            if (Has("bias")) T("bias").zero_();
            return "identity (exact after a ReLU)";
        }

        if (layer.Type.StartsWith("Conv", StringComparison.Ordinal) && !layer.Type.Contains("Transpose", StringComparison.Ordinal)
            && w.Length >= 3 && w[0] == w[1] && w.Skip(2).All(k => k % 2 == 1))
        {
            var weight = T("weight");
            weight.zero_();
            for (long c = 0; c < w[0]; c++)
            {
                var centre = weight[c][c];
                foreach (var k in w.Skip(2)) centre = centre[k / 2];
                centre.fill_(1);
            }

            if (Has("bias")) T("bias").zero_();
            return "Dirac kernel: identity with same padding";
        }

        return null;
    }
}
