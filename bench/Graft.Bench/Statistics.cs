namespace Graft.Bench;

/// <summary>Order statistics of small samples.</summary>
internal static class Statistics
{
    /// <summary>The median (the mean of the two middle values for an even count).</summary>
    public static double Median(IReadOnlyList<double> values) => Quantile(values, 0.5);

    /// <summary>The <paramref name="q"/>-quantile by linear interpolation between order statistics (R type 7).</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) throw new ArgumentException("A quantile of no values is undefined.", nameof(values));
        if (q is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(q), q, "A quantile is in [0, 1].");
        var sorted = values.OrderBy(v => v).ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        // An order statistic hit exactly is returned as it is: interpolating towards an infinite neighbour (a run that
        // never reached its target) would give 0 × ∞ = NaN.
        if (position == below || sorted[above] == sorted[below]) return sorted[below];
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
