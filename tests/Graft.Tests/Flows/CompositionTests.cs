using Graft.Data;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using static Graft.Tests.Flows.FlowTestKit;

namespace Graft.Tests.Flows;

public class CompositionTests
{
    // Rows: blocked, open, locked, present, size, kind (-1: missing)
    private static readonly (int, int, int, int, float, int)[] Rows =
    {
        (1, 0, 0, 0, -1, -1),  // 0 blocked
        (0, 1, -1, 1, 4, 2),   // 1 open, person
        (0, 0, 1, 0, -1, -1),  // 2 closed, locked
        (0, 1, -1, 0, -1, -1), // 3 open, nobody
        (-1, 1, 0, 1, 5, 1),   // 4 blocked unknown
        (0, -1, 1, 1, 3, 0),   // 5 open unknown
    };

    private static IReadOnlyDictionary<string, Tensor> Masks(string? flow = null)
    {
        using var data = Scene(Rows);
        using var compiled = Compile(Project(), data, flow ?? "scene");
        using var batch = compiled.View(data).GetBatch(Enumerable.Range(0, Rows.Length).Select(i => (long)i).ToArray());
        return compiled.Tasks.ToDictionary(t => t.Path, t => batch.Mask(t.Path).clone());
    }

    [Fact]
    public void A_task_without_precondition_learns_from_every_sample_with_its_label()
    {
        Assert.Equal(new[] { true, true, true, true, false, true }, Bools(Masks()["blocked"]));
    }

    [Fact]
    public void A_negated_precondition_keeps_only_samples_where_the_condition_is_false_in_the_ground_truth()
    {
        // open | ~blocked: rows where blocked is 0 and open is labelled; row 4 (blocked unknown) is left out.
        Assert.Equal(new[] { false, true, true, true, false, false }, Bools(Masks()["open"]));
    }

    [Fact]
    public void A_precondition_on_a_task_that_does_not_apply_is_undecided_so_the_task_is_left_out()
    {
        // locked | ~open: row 0 is blocked, so open does not apply and ~open is undecided; row 2 is closed and labelled.
        Assert.Equal(new[] { false, false, true, false, false, false }, Bools(Masks()["locked"]));
    }

    [Fact]
    public void A_nested_flow_is_gated_as_a_whole_by_its_precondition()
    {
        var masks = Masks();
        // person | present, present | open, open | ~blocked: only row 1 has a person that applies (row 4: blocked unknown, row 5: open unknown).
        foreach (var path in new[] { "person.size", "person.kind", "person.traits" })
            Assert.Equal(new[] { false, true, false, false, false, false }, Bools(masks[path]));
    }

    [Fact]
    public void A_conjunction_holds_only_where_both_sides_hold()
    {
        var project = new FlowProject(new BinaryTask("blocked"), new BinaryTask("open"), new BinaryTask("present"))
            .AddFlow("f", (f, x, o) =>
            {
                o += f["blocked"](x["x"]);
                o += f["open"](x["x"]);
                o += f["present"](x["x"]) | (o["open"] & ~o["blocked"]);
                return o;
            });
        using var data = Scene(Rows);
        using var compiled = Compile(project, data, "f");
        using var batch = compiled.View(data).GetBatch(new long[] { 0, 1, 2, 3, 4, 5 });
        // Row 0 fails (blocked), 1 and 3 hold, 2 fails (closed), 4 is undecided (blocked unknown), 5 undecided (open unknown).
        Assert.Equal(new[] { false, true, false, true, false, false }, Bools(batch.Mask("present")));
    }

    [Fact]
    public void Two_preconditions_on_one_node_must_both_hold()
    {
        var project = new FlowProject(new BinaryTask("blocked"), new BinaryTask("open"), new BinaryTask("present"))
            .AddFlow("f", (f, x, o) =>
            {
                o += f["blocked"](x["x"]);
                o += f["open"](x["x"]);
                o += f["present"](x["x"]) | o["open"] | ~o["blocked"];
                return o;
            });
        using var data = Scene(Rows);
        using var compiled = Compile(project, data, "f");
        using var batch = compiled.View(data).GetBatch(new long[] { 0, 1, 2, 3, 4, 5 });
        Assert.Equal(new[] { false, true, false, true, false, false }, Bools(batch.Mask("present")));
    }

    [Fact]
    public void The_batch_builder_includes_exactly_the_ground_truth_of_the_preconditions()
    {
        using var data = Scene(Rows);
        using var compiled = Compile(Project(), data);
        using var batch = compiled.View(data).GetBatch(new long[] { 0, 1 });
        var gt = batch.Labels.Keys.Where(k => k.StartsWith("gt.", StringComparison.Ordinal)).OrderBy(k => k).ToArray();
        Assert.Equal(new[] { "gt.blocked", "gt.open", "gt.present" }, gt);
        Assert.Equal(new[] { "x" }, batch.Features.Keys.ToArray());
        Assert.Equal(new[] { true, true }, Bools(batch.Mask("gt.open")));
        Assert.Equal(new[] { 0L, 1L }, batch["gt.open"].data<long>().ToArray());
    }

    [Fact]
    public void A_batch_where_no_sample_carries_a_task_gives_that_task_zero_loss_and_zero_gradient()
    {
        using var data = Scene(Rows);
        using var compiled = Compile(Project(), data);
        var plan = compiled.ToPlan();
        using var batch = compiled.View(data).GetBatch(new long[] { 0, 2 }); // both: nobody present
        var outputs = plan.Forward(batch);
        var term = plan.Losses.Single(l => l.Name == "person.size");
        var loss = term.Compute(outputs, batch);
        Assert.Equal(0f, loss.item<float>());
        loss.backward();
        var head = compiled.Module.named_parameters().Where(p => p.name.Contains("person__size", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(head);
        foreach (var (_, p) in head) Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0f);
        foreach (var l in plan.Losses) Assert.True(float.IsFinite(l.Compute(outputs, batch).item<float>()), l.Name);
    }

    [Fact]
    public void Uncertainty_weighting_adds_one_learnable_log_variance_per_task_and_leaves_empty_tasks_out()
    {
        using var data = Scene(Rows);
        using var compiled = Compile(Project(), data);
        var plan = compiled.ToPlan(new TaskWeighting(TaskWeightingKind.Uncertainty));
        Assert.Equal(compiled.Tasks.Count, plan.ExtraParameters.Single(p => p.Name == CompiledFlow.LogVarianceParameter).Parameter.numel());
        using var batch = compiled.View(data).GetBatch(new long[] { 0, 2 });
        var outputs = plan.Forward(batch);
        Assert.Equal(0f, plan.Losses.Single(l => l.Name == "person.size").Compute(outputs, batch).item<float>());
    }

    [Fact]
    public void A_sentinel_value_marks_a_label_missing()
    {
        var task = new BinaryTask("t", missingValue: -1);
        var available = task.Available(tensor(new long[] { 1, -1, 0 }), ones(3, ScalarType.Bool));
        Assert.Equal(new[] { true, false, true }, Bools(available));
    }

    [Fact]
    public void A_precondition_on_a_regression_task_is_refused_with_a_clear_message()
    {
        var project = new FlowProject(new RegressionTask("v"), new BinaryTask("b")).AddFlow("f", (f, x, o) =>
        {
            o += f["v"](x["x"]);
            o += f["b"](x["x"]) | o["v"];
            return o;
        });
        var e = Assert.Throws<FlowDefinitionException>(() => project.Build("f"));
        Assert.Contains("only binary tasks", e.Message);
    }

    [Fact]
    public void An_unknown_task_name_gets_a_suggestion()
    {
        var project = new FlowProject(new BinaryTask("door_open")).AddFlow("f", (f, x, o) =>
        {
            o += f["door_opne"](x["x"]);
            return o;
        });
        var e = Assert.Throws<FlowDefinitionException>(() => project.Build("f"));
        Assert.Contains("door_open", e.Message);
    }

    [Fact]
    public void Masked_language_modelling_ignores_positions_and_samples_without_targets()
    {
        var task = new MaskedLanguageModelTask("mlm", vocabularySize: 5);
        var target = tensor(new long[,] { { -100, 2, -100 }, { -100, -100, -100 } });
        Assert.Equal(new[] { true, false }, Bools(task.Available(target, ones(2, ScalarType.Bool))));
        var logits = zeros(2, 3, 5);
        var loss = task.PerSampleLoss(logits, task.Sanitize(target, tensor(new[] { true, false })));
        Assert.Equal(Math.Log(5), loss[0].item<float>(), 4);
        Assert.Equal(0f, loss[1].item<float>());
    }
}
