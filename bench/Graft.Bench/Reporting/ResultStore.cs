namespace Graft.Bench.Reporting;

/// <summary>
/// Where results live: <c>bench/results/&lt;study&gt;.json</c> for real runs, <c>bench/results/smoke/</c> for runs with
/// a sample limit (ignored by git and by BENCHMARKS.md), and <c>BENCHMARKS.md</c> at the repository root.
/// </summary>
internal sealed class ResultStore
{
    public ResultStore(string repositoryRoot)
    {
        RepositoryRoot = repositoryRoot;
        ResultsDirectory = Path.Combine(repositoryRoot, "bench", "results");
        SmokeDirectory = Path.Combine(ResultsDirectory, "smoke");
        BenchmarksFile = Path.Combine(repositoryRoot, "BENCHMARKS.md");
    }

    public string RepositoryRoot { get; }

    public string ResultsDirectory { get; }

    public string SmokeDirectory { get; }

    public string BenchmarksFile { get; }

    /// <summary>The repository root: the first directory holding <c>Graft.sln</c> above the working directory or the bench binary.</summary>
    public static ResultStore Locate()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Graft.sln"))) return new ResultStore(dir.FullName);
        }

        throw new DirectoryNotFoundException(
            $"Could not find the repository root (a directory holding Graft.sln) above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}: run the bench from inside the repository.");
    }

    /// <summary>Saves <paramref name="result"/> and returns the file's path.</summary>
    public string Save(StudyResult result)
    {
        var dir = result.Smoke ? SmokeDirectory : ResultsDirectory;
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, result.Study + ".json");
        WriteAtomically(path, result.ToJson() + "\n");
        return path;
    }

    /// <summary>Every saved real result, ordered by study name.</summary>
    public IReadOnlyList<StudyResult> LoadAll() =>
        Directory.Exists(ResultsDirectory)
            ? Directory.GetFiles(ResultsDirectory, "*.json").Order(StringComparer.Ordinal).Select(StudyResult.Read).OrderBy(r => r.Study, StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Regenerates BENCHMARKS.md from every saved real result.</summary>
    /// <summary>The folder of the notes on what limits a study whose target is missed: <c>bench/limits/&lt;study&gt;.md</c>.</summary>
    public string LimitsDirectory => Path.Combine(RepositoryRoot, "bench", "limits");

    /// <summary>Every study's note on what limits it, by study name (empty when there are none).</summary>
    public IReadOnlyDictionary<string, string> LoadLimits() =>
        Directory.Exists(LimitsDirectory)
            ? Directory.EnumerateFiles(LimitsDirectory, "*.md").ToDictionary(f => Path.GetFileNameWithoutExtension(f), File.ReadAllText, StringComparer.Ordinal)
            : new Dictionary<string, string>();

    public void WriteBenchmarks()
    {
        WriteAtomically(BenchmarksFile, BenchmarksMarkdown.Render(LoadAll(), LoadLimits(), StudyCatalog.All.Select(s => s.Name).ToList()));
    }

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
