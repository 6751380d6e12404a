namespace Graft.Pool.Ranking;

/// <summary>
/// The weighted Kendall tau of Vigna (2015, "A weighted correlation index for rankings with ties") with hyperbolic,
/// additive weights: the measure transferability papers (LogME, Model Spider) report between a predicted ranking of
/// candidates and the accuracy they really reach, and what <c>scipy.stats.weightedtau</c> computes by default.
/// </summary>
/// <remarks>
/// Each element has an importance rank ρ (0 = most important) and the weight 1 / (ρ + 1); a pair weighs the sum of its
/// two elements' weights. With σ(a, b) the sign of a − b,
/// τ_w = Σ_{i&lt;j} w_ij σ(x_i, x_j) σ(y_i, y_j) / √(Σ_{i&lt;j, x_i≠x_j} w_ij · Σ_{i&lt;j, y_i≠y_j} w_ij):
/// 1 for the same order, −1 for the reverse, and a tied pair counts neither for nor against (the tau-b treatment of
/// ties). Disagreements among the top elements cost more than disagreements at the bottom.
/// </remarks>
public static class WeightedKendallTau
{
    /// <summary>
    /// τ_w between <paramref name="x"/> and <paramref name="y"/> (larger values rank higher), averaged over the two
    /// natural importance rankings: by <paramref name="x"/> (ties broken by <paramref name="y"/>) and by
    /// <paramref name="y"/> (ties broken by <paramref name="x"/>), as <c>scipy.stats.weightedtau(x, y)</c> does.
    /// </summary>
    /// <param name="x">One score per element (e.g. predicted transferability).</param>
    /// <param name="y">Another score per element (e.g. the accuracy reached), in the same order.</param>
    /// <returns>τ_w in [−1, 1]; NaN when there are fewer than two elements or either side has every element tied.</returns>
    /// <exception cref="ArgumentException">The lengths differ, or a value is NaN.</exception>
    public static double Compute(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Validate(x, y);
        return (Compute(x, y, ImportanceRanks(x, y)) + Compute(y, x, ImportanceRanks(y, x))) / 2;
    }

    /// <summary>τ_w between <paramref name="x"/> and <paramref name="y"/> with the given importance ranks.</summary>
    /// <param name="x">One score per element.</param>
    /// <param name="y">Another score per element, in the same order.</param>
    /// <param name="importance">Each element's importance rank, 0 the most important (e.g. <see cref="ImportanceRanks"/>).</param>
    /// <returns>τ_w in [−1, 1]; NaN when there are fewer than two elements or either side has every element tied.</returns>
    /// <exception cref="ArgumentException">The lengths differ, a value is NaN, or a rank is negative.</exception>
    public static double Compute(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<int> importance)
    {
        Validate(x, y);
        ArgumentNullException.ThrowIfNull(importance);
        if (importance.Count != x.Count)
            throw new ArgumentException($"there must be one importance rank per element: {importance.Count} ranks for {x.Count} elements.", nameof(importance));
        if (importance.Any(r => r < 0)) throw new ArgumentException("importance ranks must not be negative.", nameof(importance));
        double agreement = 0, xWeight = 0, yWeight = 0;
        for (int i = 0; i < x.Count; i++)
        {
            for (int j = i + 1; j < x.Count; j++)
            {
                double w = Weight(importance[i]) + Weight(importance[j]);
                int sx = Math.Sign(x[i].CompareTo(x[j])), sy = Math.Sign(y[i].CompareTo(y[j]));
                agreement += w * sx * sy;
                if (sx != 0) xWeight += w;
                if (sy != 0) yWeight += w;
            }
        }

        return xWeight == 0 || yWeight == 0 ? double.NaN : agreement / Math.Sqrt(xWeight * yWeight);
    }

    /// <summary>
    /// Importance ranks by decreasing <paramref name="primary"/>, ties broken by decreasing <paramref name="secondary"/>,
    /// then by decreasing index (the order <c>scipy</c>'s reversed stable sort gives; elements tied on both values weigh
    /// the same in τ_w whichever order they get).
    /// </summary>
    /// <param name="primary">The values that decide the order.</param>
    /// <param name="secondary">The values that break ties.</param>
    /// <returns>Each element's rank, 0 for the most important.</returns>
    public static int[] ImportanceRanks(IReadOnlyList<double> primary, IReadOnlyList<double> secondary)
    {
        Validate(primary, secondary);
        var order = Enumerable.Range(0, primary.Count)
            .OrderByDescending(i => primary[i])
            .ThenByDescending(i => secondary[i])
            .ThenByDescending(i => i)
            .ToArray();
        var ranks = new int[order.Length];
        for (int r = 0; r < order.Length; r++) ranks[order[r]] = r;
        return ranks;
    }

    /// <summary>The hyperbolic weight of importance rank <paramref name="rank"/>: 1 / (rank + 1).</summary>
    /// <param name="rank">The rank, 0 the most important.</param>
    public static double Weight(int rank) => 1.0 / (rank + 1);

    private static void Validate(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"the two rankings must score the same elements: {x.Count} and {y.Count} values.", nameof(y));
        if (x.Any(double.IsNaN) || y.Any(double.IsNaN)) throw new ArgumentException("a score is NaN: rank only elements that were measured.", nameof(x));
    }
}
