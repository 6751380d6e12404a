using Graft.Pool.Signatures;

namespace Graft.Pool.Transfer;

/// <summary>
/// Aligns the layers of two architectures of any depth by dynamic programming, as sequences are aligned, first block
/// by block and then layer by layer (as DPIAT does): residual blocks are units of their own, matched only with
/// residual blocks (scored by aligning their layers); other layers are single units. A layer match needs the same type
/// and weight rank and scores 1 plus up to 2 for how alike the shapes are (the same kernel, the same ratio of outputs to
/// inputs: a uniformly widened layer is alike), less when a square target layer (one a
/// deepening rule could make the identity) would take a non-square source layer, and less the further apart
/// the two sit in their networks. Either side may skip units; the order of execution is kept; the best total wins.
/// </summary>
public sealed class DynamicProgrammingAligner : ILayerAligner
{
    /// <inheritdoc />
    public IReadOnlyList<LayerMatch> Align(ArchitectureSignature source, ArchitectureSignature target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var position = new Dictionary<SignatureLayer, double>(ReferenceEqualityComparer.Instance);
        foreach (var signature in new[] { source, target })
            for (int i = 0; i < signature.Layers.Count; i++)
                position[signature.Layers[i]] = (double)i / Math.Max(1, signature.Layers.Count);
        double Layer(SignatureLayer t, SignatureLayer s) => LayerScore(t, s, position[t], position[s]);

        var pairs = new Dictionary<SignatureLayer, SignatureLayer>(ReferenceEqualityComparer.Instance);
        // Block by block only when both sides have residual blocks; else layer by layer (a plain CNN into a ResNet).
        bool blocks = source.Layers.Any(l => l.ResidualBlock is not null) && target.Layers.Any(l => l.ResidualBlock is not null);
        var targetUnits = blocks ? Units(target.Layers) : target.Layers.Select(l => new[] { l }).ToList();
        var sourceUnits = blocks ? Units(source.Layers) : source.Layers.Select(l => new[] { l }).ToList();
        foreach (var (t, s) in Align(targetUnits, sourceUnits, (t, s) => blocks ? UnitScore(t, s, Layer) : Layer(t[0], s[0])))
            foreach (var (tl, sl) in Align(t, s, Layer))
                pairs[tl] = sl;
        return target.Layers.Select((layer, i) => new LayerMatch(layer, pairs.GetValueOrDefault(layer), i, target.Layers.Count)).ToList();
    }

    /// <summary>How well two layers match: 0 when they cannot (other types or weight ranks), else about 1 to 3.</summary>
    /// <param name="target">The target layer.</param>
    /// <param name="source">The source layer.</param>
    /// <param name="targetPosition">The target layer's relative position in its network (0 to 1).</param>
    /// <param name="sourcePosition">The source layer's relative position in its network (0 to 1).</param>
    public static double LayerScore(SignatureLayer target, SignatureLayer source, double targetPosition = 0, double sourcePosition = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        if (target.Type != source.Type) return 0;
        var a = target.WeightShape;
        var b = source.WeightShape;
        if (a.Length != b.Length) return 0;
        // Likeness that survives uniform widening: the same kernel, and the same ratio of outputs to inputs.
        double likeness = 1;
        if (a.Length >= 2)
        {
            double ra = (double)a[0] / Math.Max(1, a[1]), rb = (double)b[0] / Math.Max(1, b[1]);
            likeness = Math.Min(ra, rb) / Math.Max(ra, rb);
            if (!a.Skip(2).SequenceEqual(b.Skip(2))) likeness *= 0.5;
        }

        bool targetSquare = a.Length >= 2 && a[0] == a[1];
        bool sourceSquare = b.Length >= 2 && b[0] == b[1];
        double squarePenalty = targetSquare && !sourceSquare ? 0.75 : 0;
        return Math.Max(0.01, 1 + 2 * likeness - squarePenalty - Math.Abs(targetPosition - sourcePosition));
    }

    private static double UnitScore(SignatureLayer[] t, SignatureLayer[] s, Func<SignatureLayer, SignatureLayer, double> layer)
    {
        bool tBlock = t[0].ResidualBlock is not null, sBlock = s[0].ResidualBlock is not null;
        if (tBlock != sBlock) return 0;
        if (!tBlock) return layer(t[0], s[0]);
        var inner = Align(t, s, layer);
        if (inner.Count == 0) return 0;
        // A block pairs best with a block of the same make-up: layers left unmatched on either side cost.
        return Math.Max(0.01, inner.Sum(p => layer(p.Target, p.Source)) - 0.5 * (t.Length - inner.Count) - 0.5 * (s.Length - inner.Count));
    }

    /// <summary>Residual blocks as one unit each, other layers one unit each, in execution order.</summary>
    private static List<SignatureLayer[]> Units(IReadOnlyList<SignatureLayer> layers)
    {
        var units = new List<SignatureLayer[]>();
        for (int i = 0; i < layers.Count;)
        {
            var block = layers[i].ResidualBlock;
            int j = i + 1;
            if (block is not null)
                while (j < layers.Count && layers[j].ResidualBlock == block) j++;
            units.Add(layers.Skip(i).Take(j - i).ToArray());
            i = j;
        }

        return units;
    }

    /// <summary>The best order-keeping alignment of two sequences under <paramref name="score"/> (0: cannot match); skips are free.</summary>
    private static List<(T Target, T Source)> Align<T>(IReadOnlyList<T> t, IReadOnlyList<T> s, Func<T, T, double> score)
    {
        var scores = new double[t.Count, s.Count];
        for (int i = 0; i < t.Count; i++)
            for (int j = 0; j < s.Count; j++)
                scores[i, j] = score(t[i], s[j]);
        var best = new double[t.Count + 1, s.Count + 1];
        for (int i = 1; i <= t.Count; i++)
            for (int j = 1; j <= s.Count; j++)
            {
                double skip = Math.Max(best[i - 1, j], best[i, j - 1]);
                double m = scores[i - 1, j - 1];
                best[i, j] = m > 0 ? Math.Max(skip, best[i - 1, j - 1] + m) : skip;
            }

        var pairs = new List<(T, T)>();
        for (int i = t.Count, j = s.Count; i > 0 && j > 0;)
        {
            double m = scores[i - 1, j - 1];
            if (m > 0 && Math.Abs(best[i, j] - (best[i - 1, j - 1] + m)) < 1e-12)
            {
                pairs.Add((t[i - 1], s[j - 1]));
                i--;
                j--;
            }
            else if (best[i, j] == best[i - 1, j]) i--;
            else j--;
        }

        pairs.Reverse();
        return pairs;
    }
}
