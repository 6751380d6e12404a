using Graft.Training.Schedules;

namespace Graft.Runs.RunFiles;

/// <summary>Reads <c>training.schedule</c> into <see cref="ScheduleOptions"/>.</summary>
internal static class ScheduleSection
{
    private static readonly Dictionary<string, ScheduleKind> Kinds = new()
    {
        ["none"] = ScheduleKind.None, ["constant"] = ScheduleKind.None, ["step"] = ScheduleKind.Step, ["cosine"] = ScheduleKind.Cosine,
        ["one_cycle"] = ScheduleKind.OneCycle, ["reduce_on_plateau"] = ScheduleKind.ReduceOnPlateau,
    };

    private static readonly Dictionary<string, PlateauMode> Modes = new() { ["min"] = PlateauMode.Min, ["max"] = PlateauMode.Max };

    public static ScheduleOptions? Parse(YamlSection s)
    {
        if (!s.Exists) return null;
        var d = new ScheduleOptions();
        var o = new ScheduleOptions(
            s.Enum("name", d.Kind, Kinds),
            s.Int("step_epochs", d.StepEpochs),
            s.Double("gamma", d.Gamma),
            s.Double("min_factor", d.MinFactor),
            s.Double("pct_start", d.PctStart),
            s.Double("div_factor", d.DivFactor),
            s.Double("final_div_factor", d.FinalDivFactor),
            s.Enum("mode", d.PlateauMode, Modes),
            s.Double("factor", d.PlateauFactor),
            s.Int("patience", d.Patience),
            s.Double("threshold", d.Threshold),
            s.Int("cooldown", d.Cooldown),
            s.Long("warmup_steps", d.WarmupSteps),
            s.Double("warmup_start_factor", d.WarmupStartFactor));
        s.Finish();
        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new RunFileException(s.Path, s.Line, "", e.Message.StartsWith("schedule.", StringComparison.Ordinal) ? "training." + e.Message : e.Message);
        }

        return o;
    }
}
