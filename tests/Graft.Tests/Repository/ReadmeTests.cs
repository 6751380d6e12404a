namespace Graft.Tests.Repository;

public class ReadmeTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Graft.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Graft.sln not found above the test folder.");
    }

    [Fact]
    public void Ci_runs_exactly_the_test_command_the_readme_gives()
    {
        var root = Root();
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        var ci = File.ReadAllLines(Path.Combine(root, ".ci", "run"));
        var testLine = readme.First(l => l.Contains("# runs the tests", StringComparison.Ordinal));
        var command = testLine[..testLine.IndexOf('#')].Trim();
        Assert.Contains(command, ci.Select(l => l.Trim()));
    }

    [Fact]
    public void Every_example_run_file_in_the_readme_folder_parses()
    {
        var root = Root();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "examples"), "*.yaml", SearchOption.AllDirectories))
            Graft.Runs.RunFiles.RunFileParser.Load(file);
    }

    [Fact]
    public void The_readme_lists_exactly_the_catalog()
    {
        var path = Path.Combine(Root(), "README.md");
        var text = File.ReadAllText(path);
        const string start = "<!-- catalog:start -->\n", end = "<!-- catalog:end -->";
        int from = text.IndexOf(start, StringComparison.Ordinal) + start.Length, to = text.IndexOf(end, StringComparison.Ordinal);
        // A fresh process: other tests register their own builders, losses and metrics in this one.
        var cli = Path.Combine(AppContext.BaseDirectory, "Graft.Cli.dll");
        var start_ = new System.Diagnostics.ProcessStartInfo("dotnet", $"\"{cli}\" models --markdown") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start_)!;
        var expected = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        if (Environment.GetEnvironmentVariable("GRAFT_UPDATE_README") == "1")
        {
            File.WriteAllText(path, text[..from] + expected + text[to..]);
            return;
        }

        Assert.True(text[from..to] == expected, "The README's catalog section is stale: run the tests once with GRAFT_UPDATE_README=1 (or paste `./graft models --markdown`).");
    }

    [Fact]
    public void The_annotated_run_file_in_the_readme_parses()
    {
        var text = File.ReadAllText(Path.Combine(Root(), "README.md"));
        int section = text.IndexOf("## Run files", StringComparison.Ordinal);
        int from = text.IndexOf("```yaml\n", section, StringComparison.Ordinal) + "```yaml\n".Length;
        int to = text.IndexOf("```", from, StringComparison.Ordinal);
        var run = Graft.Runs.RunFiles.RunFileParser.Parse(text[from..to], Path.Combine(Root(), "run.yaml"));
        Assert.Equal(3, run.Models.Count);
        Assert.Equal("validation.classifier.accuracy", run.Training.Monitor);
    }
}
