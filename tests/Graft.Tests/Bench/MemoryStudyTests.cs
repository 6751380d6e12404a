using Graft.Bench.Studies;

namespace Graft.Tests.Bench;

public class MemoryStudyTests
{
    [Fact]
    public void Growth_is_the_highest_peak_after_epoch_two_over_the_peak_of_epoch_two()
    {
        // Epoch 1 is warm-up and does not count, however high; epoch 4 is the highest after epoch 2.
        double? growth = MemoryStudy.Growth([900, 200, 204, 210, 190]);

        Assert.NotNull(growth);
        Assert.Equal(0.05, growth.Value, 12);
    }

    [Fact]
    public void Memory_that_shrinks_after_epoch_two_is_negative_growth()
    {
        Assert.Equal(-0.1, MemoryStudy.Growth([100, 200, 180, 170])!.Value, 12);
    }

    [Fact]
    public void Median_peak_growth_is_the_median_peak_after_epoch_two_over_the_peak_of_epoch_two()
    {
        // One noisy epoch (260) moves the highest peak, not the median of 204, 210, 260 and 190 (207).
        Assert.Equal(0.035, MemoryStudy.MedianGrowth([900, 200, 204, 210, 260, 190])!.Value, 12);
        Assert.Equal(0.3, MemoryStudy.Growth([900, 200, 204, 210, 260, 190])!.Value, 12);
    }

    [Fact]
    public void Growth_is_undefined_without_an_epoch_after_the_second()
    {
        Assert.Null(MemoryStudy.Growth([100, 200]));
        Assert.Null(MemoryStudy.MedianGrowth([100, 200]));
    }

    [Fact]
    public void The_catalog_runs_the_pool_scale_and_memory_studies_under_unique_names()
    {
        Assert.IsType<PoolScaleStudy>(Graft.Bench.StudyCatalog.Find("pool-scale"));
        Assert.IsType<MemoryStudy>(Graft.Bench.StudyCatalog.Find("memory"));
        var names = Graft.Bench.StudyCatalog.All.Select(s => s.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
