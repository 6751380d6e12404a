using Graft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static Graft.Tests.Training.TrainerTestKit;
using static TorchSharp.torch;

namespace Graft.Tests.Training;

[Collection(TrainerCollection.Name)]
public class TrainingPlanTests
{
    private static TrainingPlan Plan(out Linear encoder, out Linear head, bool encoderTrained = true)
    {
        manual_seed(50);
        var enc = encoder = nn.Linear(2, 4);
        var hd = head = nn.Linear(4, 2);
        return new TrainingPlan()
            .AddModule("encoder", enc, encoderTrained)
            .AddModule("head", hd)
            .WithForward(b => new Dictionary<string, Tensor> { ["logits"] = hd.call(enc.call(b["x"])) })
            .AddLoss("cross_entropy", CrossEntropy("logits", "y"))
            .AddMetric("accuracy", AccuracyMetric, "logits", "y");
    }

    [Fact]
    public void Duplicate_names_are_refused_naming_the_duplicate()
    {
        var plan = Plan(out var encoder, out _);
        Assert.Contains("'encoder'", Assert.Throws<ArgumentException>(() => plan.AddModule("encoder", nn.Linear(1, 1))).Message);
        Assert.Contains("'cross_entropy'", Assert.Throws<ArgumentException>(() => plan.AddLoss("cross_entropy", CrossEntropy("logits", "y"))).Message);
        Assert.Contains("'accuracy'", Assert.Throws<ArgumentException>(() => plan.AddMetric("accuracy", AccuracyMetric, "logits", "y")).Message);
        plan.AddParameter("t", new Parameter(ones(1)));
        Assert.Contains("'t'", Assert.Throws<ArgumentException>(() => plan.AddParameter("t", new Parameter(ones(1)))).Message);
        Assert.Contains("'default'", Assert.Throws<ArgumentException>(() => plan.AddParameterGroup("default", encoder.parameters())).Message);
        plan.AddParameterGroup("slow", encoder.parameters(), learningRate: 1e-4);
        Assert.Contains("'slow'", Assert.Throws<ArgumentException>(() => plan.AddParameterGroup("slow", Array.Empty<Parameter>())).Message);
    }

    [Theory]
    [InlineData(-0.1, null)]
    [InlineData(double.NaN, null)]
    [InlineData(double.PositiveInfinity, null)]
    [InlineData(null, -1.0)]
    public void A_group_with_a_negative_or_non_finite_rate_or_decay_is_refused(double? learningRate, double? weightDecay)
    {
        var plan = Plan(out var encoder, out _);
        var e = Assert.Throws<ArgumentException>(() => plan.AddParameterGroup("bad", encoder.parameters(), learningRate, weightDecay));
        Assert.Contains("'bad'", e.Message);
        Assert.Contains(learningRate is null ? "weight decay" : "learning rate", e.Message);
    }

    [Fact]
    public void The_default_group_holds_every_other_trainable_parameter_and_the_extra_ones()
    {
        var plan = Plan(out var encoder, out var head);
        var extra = new Parameter(ones(1));
        plan.AddParameter("task_weight", extra).AddParameterGroup("head", head.parameters(), learningRate: 0.1, weightDecay: 0.01);

        var groups = plan.ResolveParameterGroups();

        Assert.Equal(new[] { "default", "head" }, groups.Select(g => g.Name));
        Assert.Equal(encoder.parameters().Append(extra), groups[0].Parameters, ReferenceEqualityComparer.Instance);
        Assert.Equal(head.parameters(), groups[1].Parameters, ReferenceEqualityComparer.Instance);
        Assert.Equal((0.1, 0.01), (groups[1].LearningRate!.Value, groups[1].WeightDecay!.Value));
    }

    [Fact]
    public void Frozen_modules_and_parameters_without_gradients_are_left_out()
    {
        var plan = Plan(out _, out var head, encoderTrained: false);
        head.bias!.requires_grad = false;

        var groups = plan.ResolveParameterGroups();

        Assert.Single(groups);
        Assert.Equal(new[] { head.weight! }, groups[0].Parameters, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void A_parameter_in_two_groups_or_no_trainable_parameter_at_all_is_an_error()
    {
        var plan = Plan(out var encoder, out _);
        plan.AddParameterGroup("a", encoder.parameters()).AddParameterGroup("b", new[] { encoder.weight! });
        Assert.Contains("'b'", Assert.Throws<ArgumentException>(() => plan.ResolveParameterGroups()).Message);

        var frozen = new TrainingPlan().AddModule("m", nn.Linear(2, 2), trained: false);
        Assert.Contains("no trainable parameters", Assert.Throws<InvalidOperationException>(() => frozen.ResolveParameterGroups()).Message);
    }

    [Fact]
    public void A_plan_without_a_forward_pass_or_a_loss_says_what_to_call()
    {
        using var data = Blobs(8, 51);
        var noForward = new TrainingPlan().AddModule("m", nn.Linear(2, 2));
        using (var batch = data.GetBatch(new long[] { 0, 1 }))
            Assert.Contains("WithForward", Assert.Throws<InvalidOperationException>(() => noForward.Forward(batch)).Message);

        var model = nn.Linear(2, 2);
        var noLoss = new TrainingPlan().AddModule("m", model).WithForward(b => new Dictionary<string, Tensor> { ["logits"] = model.call(b["x"]) });
        var e = Assert.Throws<InvalidOperationException>(() => new Trainer(Quiet(1) with { Monitor = "train.loss" }).Fit(noLoss, Loader(data)));
        Assert.Contains("AddLoss", e.Message);
    }

    [Fact]
    public void Set_training_keeps_frozen_modules_in_evaluation_mode()
    {
        var plan = Plan(out var encoder, out var head, encoderTrained: false);
        plan.SetTraining(true);
        Assert.False(encoder.training);
        Assert.True(head.training);
        plan.SetTraining(false);
        Assert.False(head.training);
    }

    [Fact]
    public void A_frozen_module_is_not_updated_by_training()
    {
        using var data = Blobs(64, 52);
        var plan = Plan(out var encoder, out var head, encoderTrained: false);
        var encoderBefore = Snapshot(encoder);
        var headBefore = Snapshot(head);

        new Trainer(Quiet(2)).Fit(plan, Loader(data));

        foreach (var (name, p) in encoder.named_parameters()) Assert.True(SameValues(encoderBefore[name], p), $"frozen encoder.{name} changed");
        Assert.Contains(head.named_parameters(), p => !SameValues(headBefore[p.name], p.parameter));
    }

    [Fact]
    public void A_metric_reading_a_missing_output_names_the_outputs_there_are()
    {
        using var data = Blobs(16, 53);
        var plan = Plan(out _, out _).AddMetric("top", AccuracyMetric, "scores", "y");
        var e = Assert.Throws<KeyNotFoundException>(() => new Trainer(Quiet(1)).Fit(plan, Loader(data)));
        Assert.Contains("'scores'", e.Message);
        Assert.Contains("logits", e.Message);
    }
}
