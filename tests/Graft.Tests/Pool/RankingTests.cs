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
        var features = nn.functional.one_hot(y, 4).to_type(ScalarType.Float64) + randn(300, 4, dtype: ScalarType.Float64) * 0.4;
        var head = nn.Linear(4, 4);
        Assert.True(HeadFitting.Fit(head, features, y, LabelKind.Class));

        using var _ = no_grad();
        var logits = head.call(features.to_type(ScalarType.Float32)).to_type(ScalarType.Float64);
        double Loss(double scale) => nn.functional.cross_entropy(logits * scale, y).item<double>();
        double fitted = Loss(1);
        // Any other scale of the same logits is worse: the fitted scale sits at the optimum.
        Assert.True(fitted < Loss(0.8) && fitted < Loss(1.25), $"loss {fitted} vs {Loss(0.8)} / {Loss(1.25)}");
        // Plain least squares onto one-hot targets gives scores near 0 and 1: far flatter than the optimum.
        Assert.True(HeadFitting.Temperature(logits, y) is > 0.99 and < 1.01);
        Assert.True(fitted < 0.5, $"loss {fitted}");
    }
}
