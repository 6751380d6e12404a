using Graft.Pool.Ranking;

namespace Graft.Tests.Pool.Ranking;

/// <summary>
/// The expected values are worked out by hand from the definition (importance by decreasing value, weight 1/(rank+1),
/// a pair weighs the sum of its two weights), e.g. for x = [1, 2, 3], y = [1, 3, 2] ranked by x: the pairs weigh
/// 5/6 (+), 4/3 (+) and 3/2 (−), so τ = (5/6 + 4/3 − 3/2) / (5/6 + 4/3 + 3/2) = 2/11, and the same ranked by y.
/// </summary>
public class WeightedKendallTauTests
{
    [Fact]
    public void The_same_order_scores_one_whatever_the_values()
    {
        Assert.Equal(1, WeightedKendallTau.Compute([0.1, 0.5, 0.9, 2.0], [1, 2, 3, 4]), 12);
        Assert.Equal(1, WeightedKendallTau.Compute([-3.2, 7, 0.4], [0.2, 0.9, 0.5]), 12);
    }

    [Fact]
    public void The_reverse_order_scores_minus_one()
    {
        Assert.Equal(-1, WeightedKendallTau.Compute([1, 2, 3, 4, 5], [50, 40, 30, 20, 10]), 12);
    }

    [Fact]
    public void One_swap_among_three_scores_two_elevenths()
    {
        Assert.Equal(2.0 / 11, WeightedKendallTau.Compute([1, 2, 3], [1, 3, 2]), 12);
    }

    [Fact]
    public void Explicit_importance_ranks_weigh_the_pairs_of_the_important_elements_more()
    {
        // Importance by index: the pairs weigh 3/2 (+), 4/3 (+) and 5/6 (−): (3/2 + 4/3 − 5/6) / (22/6) = 6/11.
        Assert.Equal(6.0 / 11, WeightedKendallTau.Compute([1, 2, 3], [1, 3, 2], [0, 1, 2]), 12);
    }

    [Fact]
    public void A_swap_at_the_top_costs_more_than_the_same_swap_at_the_bottom()
    {
        // Weights 1, 1/2, 1/3, 1/4; the six pairs weigh 75/12 in all; the top pair 3/2, the bottom pair 7/12.
        double top = WeightedKendallTau.Compute([4, 3, 2, 1], [3, 4, 2, 1]);
        double bottom = WeightedKendallTau.Compute([4, 3, 2, 1], [4, 3, 1, 2]);
        Assert.Equal(39.0 / 75, top, 12);
        Assert.Equal(61.0 / 75, bottom, 12);
    }

    [Fact]
    public void A_tie_on_one_side_counts_neither_for_nor_against_and_leaves_that_sides_norm()
    {
        // x ties elements 0 and 1; both importance rankings give weights 1/3, 1/2, 1 to elements 0, 1, 2:
        // agreement 4/3 + 3/2 = 17/6, x's norm 17/6, y's norm 17/6 + 5/6 = 22/6, so τ = √(17/22).
        Assert.Equal(Math.Sqrt(17.0 / 22), WeightedKendallTau.Compute([1, 1, 2], [1, 2, 3]), 12);
    }

    [Fact]
    public void With_ties_the_two_importance_rankings_differ_and_are_averaged()
    {
        // By x (ties broken by y): weights 1/2, 1/3, 1 -> −√(17/22). By y: weights 1, 1/2, 1/3 -> −√(13/22).
        double expected = -(Math.Sqrt(17.0 / 22) + Math.Sqrt(13.0 / 22)) / 2;
        Assert.Equal(expected, WeightedKendallTau.Compute([1, 1, 2], [3, 2, 1]), 12);
    }

    [Fact]
    public void The_averaged_measure_is_symmetric()
    {
        double[] x = [0.3, 0.1, 0.9, 0.4, 0.4, 0.7];
        double[] y = [10, 30, 20, 50, 40, 40];
        Assert.Equal(WeightedKendallTau.Compute(x, y), WeightedKendallTau.Compute(y, x), 12);
    }

    [Fact]
    public void Importance_ranks_follow_the_primary_values_then_the_secondary_ones()
    {
        Assert.Equal([3, 1, 0, 2], WeightedKendallTau.ImportanceRanks([1, 3, 3, 2], [0, 1, 2, 0]));
    }

    [Fact]
    public void A_ranking_with_every_element_tied_has_no_correlation()
    {
        Assert.True(double.IsNaN(WeightedKendallTau.Compute([1, 1, 1], [1, 2, 3])));
        Assert.True(double.IsNaN(WeightedKendallTau.Compute([1], [2])));
    }

    [Fact]
    public void Rankings_of_different_lengths_or_with_NaN_are_refused()
    {
        Assert.Throws<ArgumentException>(() => WeightedKendallTau.Compute([1, 2], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => WeightedKendallTau.Compute([1, double.NaN], [1, 2]));
        Assert.Throws<ArgumentException>(() => WeightedKendallTau.Compute([1, 2], [1, 2], [0]));
    }
}
