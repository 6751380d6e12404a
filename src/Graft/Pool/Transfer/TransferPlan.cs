using Graft.Pool.Signatures;
using static TorchSharp.torch;

namespace Graft.Pool.Transfer;

/// <summary>Pairs each target layer with a source layer; the pairs keep the order of execution.</summary>
public interface ILayerAligner
{
    /// <summary>The pairs, one per target layer (its source null when nothing matches).</summary>
    IReadOnlyList<LayerMatch> Align(ArchitectureSignature source, ArchitectureSignature target);
}

/// <summary>
/// Alignment of identical or near-identical architectures: the i-th layer with the i-th layer when their types agree
/// (architectures of one family have the same layer types in the same order).
/// </summary>
public sealed class PositionalAligner : ILayerAligner
{
    /// <inheritdoc />
    public IReadOnlyList<LayerMatch> Align(ArchitectureSignature source, ArchitectureSignature target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var matches = new List<LayerMatch>();
        for (int i = 0; i < target.Layers.Count; i++)
        {
            var s = i < source.Layers.Count && source.Layers[i].Type == target.Layers[i].Type ? source.Layers[i] : null;
            matches.Add(new LayerMatch(target.Layers[i], s, i, target.Layers.Count));
        }

        return matches;
    }
}

/// <summary>Applies rules to aligned layers: the first rule that takes a layer fills it; the rest stay fresh.</summary>
public static class TransferPlan
{
    /// <summary>
    /// Fills <paramref name="target"/> (the model's own state tensors) from <paramref name="source"/> layer by layer and
    /// returns the per-layer table.
    /// </summary>
    public static IReadOnlyList<LayerTransfer> Apply(IReadOnlyList<LayerMatch> matches, IReadOnlyList<ITransferRule> rules,
        IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        var rows = new List<LayerTransfer>();
        foreach (var match in MarkInsertedBlocks(matches))
        {
            string targetShape = TransferRules.Shape(match.Target.WeightShape);
            if (match.Source is null)
            {
                string? done = null;
                string rule = "fresh";
                foreach (var r in rules)
                    if (r.TryApply(match, source, target) is { } note)
                    {
                        done = note;
                        rule = r.Name;
                        break;
                    }

                rows.Add(new LayerTransfer(match.Target.Path, match.Target.Type, rule, null, "", targetShape, done ?? "no source layer matches"));
                continue;
            }

            string sourceShape = TransferRules.Shape(match.Source.WeightShape);
            if (match.Source.Tensors.Any(t => !source.ContainsKey(match.Source.Key(t.Name))))
            {
                rows.Add(new LayerTransfer(match.Target.Path, match.Target.Type, "fresh", match.Source.Path, sourceShape, targetShape, "the source weights lack this layer's tensors"));
                continue;
            }

            LayerTransfer? row = null;
            foreach (var rule in rules)
                if (rule.TryApply(match, source, target) is { } note)
                {
                    row = new LayerTransfer(match.Target.Path, match.Target.Type, rule.Name, match.Source.Path, sourceShape, targetShape, note);
                    break;
                }

            rows.Add(row ?? new LayerTransfer(match.Target.Path, match.Target.Type, "fresh", match.Source.Path, sourceShape, targetShape, "no rule applies"));
        }

        return rows;
    }

    /// <summary>Whether a row's layer received source weights.</summary>
    public static bool Transferred(LayerTransfer row) => row.SourceLayer is not null && row.Rule is not "fresh" and not "head re-initialised";

    /// <summary>Marks layers of residual blocks that have no source counterpart at all, and the last layer of each.</summary>
    private static IEnumerable<LayerMatch> MarkInsertedBlocks(IReadOnlyList<LayerMatch> matches)
    {
        var inserted = matches.Where(m => m.Target.ResidualBlock is not null).GroupBy(m => m.Target.ResidualBlock!)
            .Where(g => g.All(m => m.Source is null)).ToDictionary(g => g.Key, g => g.Last().TargetIndex);
        return matches.Select(m => m.Target.ResidualBlock is { } block && inserted.TryGetValue(block, out var last)
            ? m with { InInsertedResidualBlock = true, IsInsertedBlockEnd = m.TargetIndex == last }
            : m);
    }
}
