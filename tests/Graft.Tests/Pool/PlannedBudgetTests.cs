using Graft.Models.Builders;
using Graft.Pool;
using Graft.Pool.Transfer;
using static Graft.Tests.Pool.PoolTestKit;
using static TorchSharp.torch;

namespace Graft.Tests.Pool;

public class PlannedBudgetTests
{
    [Fact]
    public void Timing_a_training_step_for_the_planned_budget_leaves_weights_and_batch_norm_statistics_as_they_were()
    {
        manual_seed(3);
        var model = new SmallCnn(imageSize: 12, classes: 3, width: 4, hidden: 8);
        using var x = rand(40, 1, 12, 12) * 3 + 1;
        var before = State(model);

        var budget = PretrainingPool.PlannedBudget(model, x, epochs: 10, batchSize: 16);

        Assert.True(budget > TimeSpan.Zero, $"budget {budget}");
        var after = State(model);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, values) in before) Assert.Equal(values, after[name]);
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0, "a gradient was left behind"));
    }

    [Fact]
    public void A_planned_training_of_no_epochs_leaves_no_time_to_transfer_any_candidate()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "blobs-mlp");

        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { PlannedEpochs = 0 });

        Assert.Equal(TimeSpan.Zero, report.Budget);
        Assert.Equal(TransferReport.Fresh, report.Chosen);
        Assert.Contains(report.Candidates, c => c.Reference == "pool:blobs-mlp@1" && c.Note.Contains("budget was spent", StringComparison.Ordinal));
    }

    [Fact]
    public void A_planned_training_gives_the_call_a_budget_that_the_report_states()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "blobs-mlp");

        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { PlannedEpochs = 100_000 });

        Assert.NotNull(report.Budget);
        Assert.True(report.Budget > TimeSpan.Zero);
        Assert.Equal("pool:blobs-mlp@1", report.Chosen);
        Assert.Contains("of a " + report.Budget!.Value.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s budget", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_planned_training_still_gives_the_call_the_minimum_budget()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        temp.Pool.AddModel(Train(NewMlp(1), x, y), x, y, "blobs-mlp");

        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { PlannedEpochs = 1 });

        Assert.Equal(PretrainingPool.DefaultMinimumBudget, report.Budget);
        Assert.Equal("pool:blobs-mlp@1", report.Chosen);
    }

    [Fact]
    public void A_minimum_budget_of_zero_leaves_exactly_a_tenth_of_a_short_planned_training()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();

        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { PlannedEpochs = 1, MinimumBudget = TimeSpan.Zero });

        Assert.NotNull(report.Budget);
        Assert.True(report.Budget > TimeSpan.Zero && report.Budget < TimeSpan.FromSeconds(1), $"budget {report.Budget}");
    }

    [Fact]
    public void A_negative_minimum_budget_is_refused_with_the_option_named()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();

        var e = Assert.Throws<ArgumentException>(() => temp.Pool.GetPretrainedModel(NewMlp(2), x, y, new PretrainOptions { PlannedEpochs = 1, MinimumBudget = TimeSpan.FromSeconds(-1) }));

        Assert.Contains("MinimumBudget", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.830, 0.840, false, false)]   // worse
    [InlineData(0.845, 0.840, false, false)]   // better by half a point: noise on a small held-out slice
    [InlineData(0.851, 0.840, false, true)]    // better by more than a point
    [InlineData(0.845, 0.840, true, true)]     // a pinned teacher (a reproduction) takes any gain
    public void A_distilled_student_replaces_the_best_start_only_when_clearly_better(double student, double best, bool pinned, bool wins)
    {
        Assert.Equal(wins, PretrainingPool.DistilledWins(student, 0.5, best, 0.5, pinned));
    }

    [Fact]
    public void A_given_budget_wins_over_the_planned_training()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();

        temp.Pool.GetPretrainedModel(NewMlp(2), x, y, out var report, new PretrainOptions { PlannedEpochs = 0, Budget = TimeSpan.FromSeconds(7) });

        Assert.Equal(TimeSpan.FromSeconds(7), report.Budget);
    }

    [Fact]
    public void Planned_training_without_a_batch_is_refused_with_the_option_named()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();

        var e = Assert.Throws<ArgumentException>(() => temp.Pool.GetPretrainedModel(NewMlp(2), x, y, new PretrainOptions { PlannedEpochs = 3, PlannedBatchSize = 0 }));

        Assert.Contains("PlannedBatchSize", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_whose_features_overflow_is_scored_and_not_ranked_instead_of_failing()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var model = NewMlp(2);
        using (no_grad())
            foreach (var p in model.parameters().Take(1)) p.fill_(float.MaxValue);

        temp.Pool.GetPretrainedModel(model, x, y, out var report);

        var fresh = report.Candidates.Single(c => c.Reference == TransferReport.Fresh);
        Assert.True(double.IsNaN(fresh.Transferability), report.ToString());
        Assert.Equal(TransferReport.Fresh, report.Chosen);
    }
}
