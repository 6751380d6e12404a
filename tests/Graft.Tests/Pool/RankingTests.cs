using Graft.Data;
using Graft.Pool.Ranking;
using static TorchSharp.torch;

namespace Graft.Tests.Pool;

public class RankingTests
{
    [Fact]
    public void LogMe_prefers_features_that_carry_the_labels()
    {
        manual_seed(1);
        var y = arange(400, ScalarType.Int64) % 4;
        var informative = nn.functional.one_hot(y, 4).to_type(ScalarType.Float64) * 3 + randn(400, 4, dtype: ScalarType.Float64);
        var noise = randn(400, 4, dtype: ScalarType.Float64);
        var mixed = cat([informative.narrow(1, 0, 2), noise.narrow(1, 0, 2)], 1);

        double good = LogMe.Score(informative, y, LabelKind.Class);
        double half = LogMe.Score(mixed, y, LabelKind.Class);
        double bad = LogMe.Score(noise, y, LabelKind.Class);

        Assert.True(good > half && half > bad, $"LogME {good} / {half} / {bad}");
    }

    [Fact]
    public void LogMe_works_for_values_too()
    {
        manual_seed(2);
        var f = randn(300, 5, dtype: ScalarType.Float64);
        var y = f.select(1, 0) * 2 + randn(300, dtype: ScalarType.Float64) * 0.1;
        Assert.True(LogMe.Score(f, y, LabelKind.Value) > LogMe.Score(randn(300, 5, dtype: ScalarType.Float64), y, LabelKind.Value));
    }

    [Fact]
    public void A_fitted_head_separates_linearly_separable_features()
    {
        manual_seed(3);
        var y = arange(200, ScalarType.Int64) % 3;
        var features = nn.functional.one_hot(y, 3).to_type(ScalarType.Float64) * 2 + randn(200, 3, dtype: ScalarType.Float64) * 0.3;
        var head = nn.Linear(3, 3);

        Assert.True(HeadFitting.Fit(head, features, y, LabelKind.Class));
        using var _ = no_grad();
        var accuracy = head.call(features.to_type(ScalarType.Float32)).argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(accuracy > 0.95, $"accuracy {accuracy}");
        Assert.False(HeadFitting.Fit(nn.Linear(3, 2), features, y, LabelKind.Class));   // 3 classes do not fit 2 outputs
    }

    [Fact]
    public void A_fitted_head_is_scaled_to_the_cross_entropy_optimum_without_changing_its_predictions()
    {
        manual_seed(4);
        var y = arange(300, ScalarType.Int64) % 4;
        // Large features: the optimal head is small, well within a fresh head's size.
        var features = (nn.functional.one_hot(y, 4).to_type(ScalarType.Float64) + randn(300, 4, dtype: ScalarType.Float64) * 0.4) * 20;
        var head = nn.Linear(4, 4);
        Assert.True(HeadFitting.Fit(head, features, y, LabelKind.Class));

        using var _ = no_grad();
        Assert.True(head.weight!.norm().item<float>() < HeadFitting.FreshNorm(4) * 0.9, $"norm {head.weight.norm().item<float>()}");
        var logits = head.call(features.to_type(ScalarType.Float32)).to_type(ScalarType.Float64);
        double Loss(double scale) => nn.functional.cross_entropy(logits * scale, y).item<double>();
        double fitted = Loss(1);
        // Any other scale of the same logits is worse: the fitted scale sits at the optimum.
        Assert.True(fitted < Loss(0.8) && fitted < Loss(1.25), $"loss {fitted} vs {Loss(0.8)} / {Loss(1.25)}");
        // Plain least squares onto one-hot targets gives scores near 0 and 1: far flatter than the optimum.
        Assert.True(HeadFitting.Temperature(logits, y) is > 0.99 and < 1.01);
        Assert.True(fitted < 0.5, $"loss {fitted}");
    }

    [Fact]
    public void A_fitted_head_is_never_larger_than_a_fresh_head_of_its_shape_and_predicts_the_same()
    {
        manual_seed(5);
        var y = arange(300, ScalarType.Int64) % 4;
        // Small features: the cross-entropy optimum would need a head many times a fresh one's size.
        var features = (nn.functional.one_hot(y, 4).to_type(ScalarType.Float64) + randn(300, 4, dtype: ScalarType.Float64) * 0.4) * 0.05;
        var head = nn.Linear(4, 4);
        var fresh = head.weight!.norm().item<float>();
        Assert.True(HeadFitting.Fit(head, features, y, LabelKind.Class));

        using var _ = no_grad();
        double norm = head.weight.norm().item<float>();
        Assert.True(Math.Abs(norm - HeadFitting.FreshNorm(4)) < 1e-4, $"norm {norm}, a fresh head's {fresh}");
        var f = features.to_type(ScalarType.Float32);
        var logits = head.call(f);
        double accuracy = logits.argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(accuracy > 0.85, $"accuracy {accuracy}");
        // The optimum lies beyond the cap: any larger scale of the same logits would lower the loss.
        Assert.True(nn.functional.cross_entropy(logits * 2, y).item<float>() < nn.functional.cross_entropy(logits, y).item<float>());
    }

    [Fact]
    public void A_fitted_value_head_keeps_its_least_squares_scale()
    {
        manual_seed(6);
        var features = randn(200, 3, dtype: ScalarType.Float64);
        var y = features.matmul(tensor(new[] { 30.0, -20.0, 10.0 }, dtype: ScalarType.Float64)) + 5;
        var head = nn.Linear(3, 1);
        Assert.True(HeadFitting.Fit(head, features, y, LabelKind.Value));

        using var _ = no_grad();
        var w = head.weight!.flatten();
        Assert.True(Math.Abs(w[0].item<float>() - 30) < 0.5 && Math.Abs(w[1].item<float>() + 20) < 0.5 && Math.Abs(head.bias![0].item<float>() - 5) < 0.5,
            $"weights {string.Join(", ", w.data<float>().ToArray())}");
    }
}
