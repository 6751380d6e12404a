using System.Text.Json.Nodes;
using Graft.Bench;
using Graft.Bench.Reporting;

namespace Graft.Tests.Bench;

public class BenchmarksMarkdownTests
{
    private static StudyResult Result(string study, double? seconds, string verdict = "PASS") => new(
        study, "A study of " + study, "2026-12-07 13:00 UTC", "dotnet run -c Release --project bench/Graft.Bench -- --study " + study, false,
        new MachineInfo("cpu", 2, "Debian", "10.0", "0.105", "2.5", 2, "Release", "0.1 0.2 0.3", "1.0 0.9 0.5"),
        new StudyOutcome("What was compared.", [new("size", "3")], [], [new("ratio", "1.01")], "ratio at most 1.03", verdict, new JsonObject()),
        seconds);

    [Fact]
    public void The_report_states_each_studys_running_time_and_what_they_add_up_to()
    {
        string md = BenchmarksMarkdown.Render([Result("speed", 45), Result("memory", 30 * 60)]);

        Assert.Contains("- [speed](#speed): A study of speed — **PASS**, 45 s", md, StringComparison.Ordinal);
        Assert.Contains("- [memory](#memory): A study of memory — **PASS**, 30.0 min", md, StringComparison.Ordinal);
        Assert.Contains("adds up to **31 min**", md, StringComparison.Ordinal);
        Assert.Contains("| Running time | 45 s |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_result_saved_before_times_were_recorded_gives_no_total()
    {
        string md = BenchmarksMarkdown.Render([Result("speed", 45), Result("memory", null)]);

        Assert.DoesNotContain("adds up to", md, StringComparison.Ordinal);
        Assert.Contains("| Running time | not recorded |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_result_keeps_its_running_time()
    {
        var result = Result("speed", 12.5);

        var path = Path.Combine(Directory.CreateTempSubdirectory("graft-bench-result-").FullName, "speed.json");
        File.WriteAllText(path, result.ToJson());

        Assert.Equal(12.5, StudyResult.Read(path).Seconds);
    }

    [Fact]
    public void A_missed_target_carries_its_note_on_what_limits_it_and_a_met_one_does_not()
    {
        var limits = new Dictionary<string, string> { ["speed"] = "The machine is shared.\n", ["memory"] = "Glibc arenas." };

        string md = BenchmarksMarkdown.Render([Result("speed", 45, "FAIL"), Result("memory", 60)], limits);

        Assert.Contains("Target: ratio at most 1.03 — **FAIL**\n\n**What limits it.** The machine is shared.\n", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Glibc arenas", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_study_without_a_saved_result_is_listed_as_not_yet_measured()
    {
        string md = BenchmarksMarkdown.Render([Result("speed", 45)], studies: ["speed", "memory", "scale"]);

        Assert.Contains("- not yet measured by a full run: `memory`, `scale`\n", md, StringComparison.Ordinal);
    }
}
