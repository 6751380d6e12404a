using Graft.Training.Metrics;

namespace Graft.Tests.Training.Metrics;

public class MetricCatalogTests
{
    [Theory]
    [InlineData("accuracy", typeof(Accuracy), "accuracy")]
    [InlineData("  Accuracy ", typeof(Accuracy), "accuracy")]
    [InlineData("precision", typeof(Precision), "precision")]
    [InlineData("recall_weighted", typeof(Recall), "recall_weighted")]
    [InlineData("f1", typeof(F1Score), "f1")]
    [InlineData("f1_micro", typeof(F1Score), "f1_micro")]
    [InlineData("mae", typeof(MeanAbsoluteError), "mae")]
    [InlineData("mse", typeof(MeanSquaredError), "mse")]
    [InlineData("rmse", typeof(RootMeanSquaredError), "rmse")]
    [InlineData("top5", typeof(TopKAccuracy), "top5")]
    [InlineData("top_3_accuracy", typeof(TopKAccuracy), "top3")]
    public void Built_in_names_create_the_matching_metric(string name, Type type, string metricName)
    {
        var metric = MetricCatalog.Create(name);
        Assert.IsType(type, metric);
        Assert.Equal(metricName, metric.Name);
    }

    [Fact]
    public void Each_call_creates_a_fresh_metric()
    {
        Assert.NotSame(MetricCatalog.Create("accuracy"), MetricCatalog.Create("accuracy"));
    }

    [Fact]
    public void Top_k_accuracy_takes_k_as_an_argument()
    {
        var metric = Assert.IsType<TopKAccuracy>(MetricCatalog.Create("top_k_accuracy", k: 3));
        Assert.Equal(3, metric.K);
        var missing = Assert.Throws<ArgumentException>(() => MetricCatalog.Create("top_k_accuracy"));
        Assert.Contains("needs k", missing.Message);
        Assert.Throws<ArgumentException>(() => MetricCatalog.Create("mae", k: 3));
        Assert.Throws<ArgumentException>(() => MetricCatalog.Create("top0"));
    }

    [Fact]
    public void An_unknown_name_lists_the_known_names_and_suggests_the_closest()
    {
        var error = Assert.Throws<ArgumentException>(() => MetricCatalog.Create("acuracy"));
        Assert.Contains("Unknown metric 'acuracy'", error.Message);
        Assert.Contains("Did you mean 'accuracy'?", error.Message);
        foreach (var name in new[] { "mae", "mse", "rmse", "f1", "precision", "recall", "top_k_accuracy" })
            Assert.Contains(name, error.Message);
    }

    [Fact]
    public void A_name_far_from_every_known_one_gets_no_suggestion()
    {
        var error = Assert.Throws<ArgumentException>(() => MetricCatalog.Create("bleu_score_of_translations"));
        Assert.DoesNotContain("Did you mean", error.Message);
    }

    [Fact]
    public void Registered_metrics_are_created_by_name_in_any_case()
    {
        MetricCatalog.Register("Catalog_test_loss", () => new Mean("catalog_test_loss"));
        var metric = MetricCatalog.Create("catalog_test_LOSS");
        Assert.Equal("catalog_test_loss", metric.Name);
        Assert.Contains("catalog_test_loss", MetricCatalog.KnownNames);
        var error = Assert.Throws<ArgumentException>(() => MetricCatalog.Create("catalog_test_los"));
        Assert.Contains("Did you mean 'catalog_test_loss'?", error.Message);
    }

    [Fact]
    public void Built_in_names_cannot_be_replaced()
    {
        Assert.Throws<ArgumentException>(() => MetricCatalog.Register("accuracy", () => new Accuracy()));
        Assert.Throws<ArgumentException>(() => MetricCatalog.Register("top7", () => new Accuracy()));
        var bad = Assert.Throws<ArgumentException>(() => MetricCatalog.Register("my metric", () => new Accuracy()));
        Assert.Equal("name", bad.ParamName);
    }
}
