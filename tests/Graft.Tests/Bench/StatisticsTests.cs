using Graft.Bench;

namespace Graft.Tests.Bench;

public class StatisticsTests
{
    [Fact]
    public void The_median_of_an_odd_count_is_the_middle_value_even_beside_an_infinite_one()
    {
        Assert.Equal(1.11, Statistics.Median([0.71, double.PositiveInfinity, 1.11]));
    }

    [Fact]
    public void The_median_of_an_even_count_interpolates_between_the_middle_values()
    {
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
    }

    [Fact]
    public void A_median_between_two_infinite_values_is_infinite()
    {
        Assert.Equal(double.PositiveInfinity, Statistics.Median([1, double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity]));
    }
}
