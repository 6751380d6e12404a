using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

public class RootMeanSquaredErrorTests
{
    [Fact]
    public void Root_mean_squared_error_matches_a_hand_computed_value()
    {
        var metric = new RootMeanSquaredError();
        metric.Update(RegressionData.Prediction, RegressionData.Target);
        Assert.Equal(2.25, metric.Compute(), 12);
        Assert.Equal("rmse", metric.Name);
    }

    [Fact]
    public void Streaming_takes_the_root_of_the_pooled_mean_not_the_mean_of_roots()
    {
        var metric = new RootMeanSquaredError();
        MetricData.UpdateInChunks(metric, RegressionData.Prediction, RegressionData.Target, null, 2, 2);
        Assert.Equal(2.25, metric.Compute(), 12);
    }

    [Fact]
    public void Masked_samples_do_not_count()
    {
        var metric = new RootMeanSquaredError();
        metric.Update(RegressionData.Prediction, RegressionData.Target, RegressionData.WithoutThird);
        Assert.Equal(Math.Sqrt(16.25 / 3), metric.Compute(), 12);
    }

    [Fact]
    public void Shape_errors_name_both_shapes_and_the_metric()
    {
        var error = Assert.Throws<ArgumentException>(() => new RootMeanSquaredError().Update(zeros(2, 3), zeros(2, 4)));
        Assert.Contains("rmse", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[2, 4]", error.Message);
    }
}
