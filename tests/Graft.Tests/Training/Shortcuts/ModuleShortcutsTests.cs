using Graft.Training.Shortcuts;
using TorchSharp;
using static Graft.Tests.Training.TrainerTestKit;
using static TorchSharp.torch;

namespace Graft.Tests.Training.Shortcuts;

[Collection(TrainerCollection.Name)]
public class ModuleShortcutsTests
{
    [Fact]
    public void Fit_on_a_small_classification_problem_improves_accuracy_and_evaluate_returns_loss_and_accuracy()
    {
        var (x, y) = BlobTensors(200, 60);
        var model = ZeroLinear();
        var before = model.Evaluate(x, y);
        Assert.Equal(new[] { "accuracy", "loss" }, before.Keys.Order());
        Assert.Equal(0.5, before["accuracy"], 6);
        Assert.Equal(Math.Log(2), before["loss"], 5);

        var result = model.Fit(x, y, epochs: 4, batchSize: 16, options: Quiet(1, lr: 0.05));

        Assert.Equal(4, result.History.Count);
        Assert.Contains("train.accuracy", (IDictionary<string, double>)result.Final);
        var after = model.Evaluate(x, y);
        Assert.True(after["accuracy"] > 0.95, $"accuracy {after["accuracy"]}");
        Assert.True(after["loss"] < 0.5 * before["loss"]);
        Assert.False(x.IsInvalid); // the shortcut's dataset does not dispose the caller's tensors
        Assert.False(y.IsInvalid);
    }

    [Fact]
    public void Fit_with_a_validation_split_reports_validation_metrics()
    {
        var (x, y) = BlobTensors(120, 61);
        var result = ZeroLinear().Fit(x, y, epochs: 2, validationSplit: 0.25, options: Quiet(1, lr: 0.05));
        Assert.Contains("validation.accuracy", (IDictionary<string, double>)result.Final);
        Assert.Contains("validation.loss", (IDictionary<string, double>)result.Final);
    }

    [Fact]
    public void Fit_on_float_targets_trains_with_mean_squared_error_and_reports_mae()
    {
        using var g = new Generator(62, CPU);
        var x = randn(new long[] { 160, 2 }, generator: g);
        var y = x.select(1, 0) * 2 - x.select(1, 1) + 0.25f;
        manual_seed(63);
        var model = nn.Linear(2, 1);
        var before = model.Evaluate(x, y);
        Assert.Equal(new[] { "loss", "mae" }, before.Keys.Order());

        var result = model.Fit(x, y, epochs: 6, batchSize: 16, options: Quiet(1, lr: 0.05));

        Assert.Contains("train.mae", (IDictionary<string, double>)result.Final);
        Assert.Contains("train.loss", (IDictionary<string, double>)result.Final);
        var after = model.Evaluate(x, y);
        Assert.True(after["loss"] < 0.05 * before["loss"], $"mse {before["loss"]} -> {after["loss"]}");
        Assert.True(after["mae"] < 0.2, $"mae {after["mae"]}");
    }

    [Fact]
    public void Predict_returns_one_row_per_sample_in_evaluation_mode_without_gradients_and_restores_the_mode()
    {
        var (x, _) = BlobTensors(300, 64);
        var model = Mlp(initSeed: 65, dropout: 0.5);
        model.train();

        var first = model.Predict(x, batchSize: 64);
        var second = model.Predict(x);

        Assert.Equal(new long[] { 300, 2 }, first.shape);
        Assert.False(first.requires_grad);
        Assert.True(model.training);
        Assert.True(SameValues(first, second), "dropout was active during Predict");
        model.eval();
        using (no_grad())
            Assert.True(first.allclose(model.call(x), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Predict_on_no_rows_returns_no_rows()
    {
        var model = Mlp(initSeed: 66, dropout: 0);
        var result = model.Predict(zeros(0, 2));
        Assert.Equal(new long[] { 0, 2 }, result.shape);
    }
}
