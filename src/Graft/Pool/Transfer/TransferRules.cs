using Graft.Pool.Signatures;
using Graft.Weights.Loading;
using static TorchSharp.torch;

namespace Graft.Pool.Transfer;

/// <summary>One target layer and the source layer aligned with it (null: nothing in the source matches).</summary>
/// <param name="Target">The layer of the model being initialised.</param>
/// <param name="Source">The source model's layer aligned with it, or null.</param>
/// <param name="TargetIndex">The target layer's position in execution order.</param>
/// <param name="TargetCount">The number of parametrised layers of the target.</param>
public sealed record LayerMatch(SignatureLayer Target, SignatureLayer? Source, int TargetIndex, int TargetCount)
{
    /// <summary>Whether the target layer is the model's last parametrised layer (its head).</summary>
    public bool IsLast => TargetIndex == TargetCount - 1;

    /// <summary>Whether the target layer is the model's first parametrised layer.</summary>
    public bool IsFirst => TargetIndex == 0;

    /// <summary>Whether the layer lies in a residual block none of whose layers has a source counterpart (a block the target inserts).</summary>
    public bool InInsertedResidualBlock { get; init; }

    /// <summary>Whether the layer is the last, in execution order, of such an inserted residual block.</summary>
    public bool IsInsertedBlockEnd { get; init; }
}

/// <summary>What a rule did to one layer: a row of <see cref="TransferReport"/>'s per-layer table.</summary>
/// <param name="TargetLayer">The target layer's path.</param>
/// <param name="TargetType">Its type.</param>
/// <param name="Rule">The rule that filled it (<c>exact copy</c>, <c>overlap copy</c>, ..., or <c>fresh</c>).</param>
/// <param name="SourceLayer">The source layer's path, or null.</param>
/// <param name="SourceShape">The source layer's weight shape, or empty.</param>
/// <param name="TargetShape">The target layer's weight shape.</param>
/// <param name="Note">What the rule did, in words.</param>
public sealed record LayerTransfer(string TargetLayer, string TargetType, string Rule, string? SourceLayer, string SourceShape, string TargetShape, string Note);

/// <summary>
/// One way of filling a target layer from an aligned source layer. Rules are tried in order and the first that applies
/// wins; a layer no rule takes keeps its fresh initialisation. Later rules (widening, deepening, weight selection) plug
/// in here without changing the plan or the report.
/// </summary>
public interface ITransferRule
{
    /// <summary>The rule's name, as the report shows it.</summary>
    string Name { get; }

    /// <summary>
    /// Fills <paramref name="match"/>'s target tensors in <paramref name="target"/> from <paramref name="source"/> when
    /// the rule applies, and says what it did; returns null (touching nothing) when it does not apply.
    /// </summary>
    /// <param name="match">The aligned pair.</param>
    /// <param name="source">The source model's state dictionary.</param>
    /// <param name="target">The target model's state dictionary (its own tensors: write with <c>copy_</c> under <c>no_grad</c>).</param>
    string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target);
}

/// <summary>The rules of same-architecture transfer, in the order they are tried.</summary>
public static class TransferRules
{
    /// <summary>Exact copy, input-channel adaptation, classifier re-initialisation, overlap copy.</summary>
    public static IReadOnlyList<ITransferRule> SameArchitecture { get; } =
        [new ExactCopyRule(), new InputChannelRule(), new ClassifierRule(), new OverlapCopyRule()];

    /// <summary>
    /// The default: exact copy, input-channel adaptation, classifier re-initialisation, function-preserving resizing
    /// (widening, weight selection, kernel padding or cropping), and for layers the source lacks, a zeroed last layer
    /// in inserted residual blocks and identity initialisation elsewhere (deepening).
    /// </summary>
    public static IReadOnlyList<ITransferRule> CrossArchitecture { get; } =
        [new ExactCopyRule(), new InputChannelRule(), new ClassifierRule(), new ResizeRule(), new InsertedResidualBlockRule(), new IdentityRule()];

    internal static bool SameTensorNames(LayerMatch m) =>
        m.Source is not null && m.Source.Tensors.Select(t => t.Name).SequenceEqual(m.Target.Tensors.Select(t => t.Name));

    internal static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>Every tensor of the layer has the same shape in the source: copied as it is.</summary>
public sealed class ExactCopyRule : ITransferRule
{
    /// <inheritdoc />
    public string Name => "exact copy";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (!TransferRules.SameTensorNames(match)) return null;
        if (!match.Target.Tensors.Zip(match.Source!.Tensors).All(p => p.First.Shape.SequenceEqual(p.Second.Shape))) return null;
        using var _ = no_grad();
        foreach (var t in match.Target.Tensors)
            target[match.Target.Key(t.Name)].copy_(source[match.Source.Key(t.Name)]);
        return "copied";
    }
}

/// <summary>
/// The first layer is a convolution taking another number of input channels (timm's <c>adapt_input_conv</c>): to one
/// channel the kernels are summed over the source's channels; to N they are repeated and scaled by C/N.
/// </summary>
public sealed class InputChannelRule : ITransferRule
{
    /// <inheritdoc />
    public string Name => "input channels";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (!match.IsFirst || !TransferRules.SameTensorNames(match)) return null;
        var tw = match.Target.WeightShape;
        var sw = match.Source!.WeightShape;
        if (tw.Length != 4 || sw.Length != 4 || tw[1] == sw[1] || tw[0] != sw[0] || tw[2] != sw[2] || tw[3] != sw[3]) return null;
        using var _ = no_grad();
        string how = "";
        foreach (var t in match.Target.Tensors)
        {
            var s = source[match.Source.Key(t.Name)];
            var into = target[match.Target.Key(t.Name)];
            if (t.Name == "weight")
            {
                var (value, description) = WeightsLoader.AdaptChannels(s, (int)tw[1]);
                using (value) into.copy_(value);
                how = description;
            }
            else if (s.shape.SequenceEqual(into.shape)) into.copy_(s);
            else return null;
        }

        return how;
    }
}

/// <summary>The last layer (the head) predicts another number of outputs: it keeps its fresh initialisation.</summary>
public sealed class ClassifierRule : ITransferRule
{
    /// <inheritdoc />
    public string Name => "head re-initialised";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (!match.IsLast || match.Source is null) return null;
        var tw = match.Target.WeightShape;
        var sw = match.Source.WeightShape;
        if (tw.Length < 1 || sw.Length < 1 || tw[0] == sw[0]) return null;
        return $"{sw[0]} -> {tw[0]} outputs: fresh initialisation";
    }
}

/// <summary>
/// Tensors of the same rank but other sizes: the overlapping block (the leading indices of every dimension) is copied,
/// the rest keeps its fresh initialisation.
/// </summary>
public sealed class OverlapCopyRule : ITransferRule
{
    /// <inheritdoc />
    public string Name => "overlap copy";

    /// <inheritdoc />
    public string? TryApply(LayerMatch match, IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        if (!TransferRules.SameTensorNames(match)) return null;
        if (!match.Target.Tensors.Zip(match.Source!.Tensors).All(p => p.First.Shape.Length == p.Second.Shape.Length)) return null;
        long copied = 0, total = 0;
        using var _ = no_grad();
        foreach (var t in match.Target.Tensors)
        {
            var s = source[match.Source.Key(t.Name)];
            var into = target[match.Target.Key(t.Name)];
            total += into.numel();
            if (s.dim() == 0)
            {
                into.copy_(s);
                copied++;
                continue;
            }

            Tensor from = s, to = into;
            var views = new List<Tensor>();
            for (int d = 0; d < s.dim(); d++)
            {
                long length = Math.Min(s.shape[d], into.shape[d]);
                from = from.narrow(d, 0, length);
                to = to.narrow(d, 0, length);
                views.Add(from);
                views.Add(to);
            }

            to.copy_(from);
            copied += to.numel();
            foreach (var v in views) v.Dispose();
        }

        return $"{copied} of {total} values copied ({100.0 * copied / Math.Max(1, total):0.#}%)";
    }
}
