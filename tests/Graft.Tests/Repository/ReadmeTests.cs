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
}
