namespace Graft.Bench;

/// <summary>
/// One benchmark study. A study measures, and returns everything needed to render it: settings, tables, a summary and
/// an optional verdict against a target. The bench adds the machine, date and command line, saves the result as JSON
/// in <c>bench/results/&lt;name&gt;.json</c> and regenerates BENCHMARKS.md from every saved result.
/// </summary>
internal interface IStudy
{
    /// <summary>The study's name, used on the command line and as the result file name (lower-case, dashes).</summary>
    string Name { get; }

    /// <summary>A one-line title for BENCHMARKS.md.</summary>
    string Title { get; }

    /// <summary>The number of intra-op threads the study trains with (recorded with the machine).</summary>
    int Threads { get; }

    /// <summary>Runs the study and returns its measurements.</summary>
    StudyOutcome Run(BenchOptions options, TextWriter log);
}

/// <summary>Studies known to the bench; a new study is one more entry here.</summary>
internal static class StudyCatalog
{
    public static IReadOnlyList<IStudy> All { get; } =
    [
        new Graft.Bench.Studies.TrainerOverheadStudy(),
        new Graft.Bench.Studies.TaskWeightingStudy(),
        new Graft.Bench.Studies.TransferGainStudy(),
        new Graft.Bench.Studies.PoolScaleStudy(),
        new Graft.Bench.Studies.MemoryStudy(),
        new Graft.Bench.Studies.AllocatorStudy(),
        new Graft.Bench.Studies.RankingQuality.RankingQualityStudy(),
    ];

    public static IStudy? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
