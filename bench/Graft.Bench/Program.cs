using System.Globalization;
using Graft.Bench;
using Graft.Bench.Reporting;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length == 2 && args[0] == Graft.Bench.Studies.AllocatorStudy.ProbeArgument) return Graft.Bench.Studies.AllocatorStudy.RunProbe(args);

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

if (options.List)
{
    foreach (var s in StudyCatalog.All) Console.WriteLine($"{s.Name,-20} {s.Title}");
    return 0;
}

// Every leg of every study runs with the allocator Graft's trainer sets up (the plain TorchSharp loops included).
Graft.NativeRuntime.TuneAllocator();
var store = ResultStore.Locate();
if (!options.ReportOnly)
{
    var selected = new List<IStudy>();
    if (options.Study is null) selected.AddRange(StudyCatalog.All);
    else
    {
        // --study a,b runs those studies in the order given.
        foreach (var name in options.Study.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (StudyCatalog.Find(name) is { } study) selected.Add(study);
            else
            {
                Console.Error.WriteLine($"error: there is no study '{name}'. The studies are: {string.Join(", ", StudyCatalog.All.Select(s => s.Name))}.");
                return 2;
            }
        }
    }

    if (MachineInfo.BuildConfiguration != "Release")
        Console.Error.WriteLine("warning: this is a Debug build; run with `-c Release` for figures worth keeping.");

    var suite = System.Diagnostics.Stopwatch.StartNew();
    foreach (var study in selected)
    {
        var loadBefore = MachineInfo.LoadAverage();
        var date = DateTimeOffset.UtcNow;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = study.Run(options, Console.Out);
        watch.Stop();
        var result = new StudyResult(
            study.Name,
            study.Title,
            date.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            CommandLine(options),
            options.Smoke,
            MachineInfo.Collect(study.Threads, loadBefore),
            outcome,
            watch.Elapsed.TotalSeconds);
        var path = store.Save(result);
        Console.WriteLine();
        Console.WriteLine($"{study.Name}: {study.Title}");
        foreach (var s in outcome.Summary) Console.WriteLine($"  {s.Name,-40} {s.Value}");
        if (outcome.Target is not null) Console.WriteLine($"  target: {outcome.Target} -> {outcome.Verdict}");
        Console.WriteLine($"  took {watch.Elapsed.TotalMinutes:F1} min; saved {Path.GetRelativePath(store.RepositoryRoot, path)}");
    }

    if (selected.Count > 1) Console.WriteLine($"the {selected.Count} studies took {suite.Elapsed.TotalMinutes:F1} min");
}

store.WriteBenchmarks();
Console.WriteLine($"wrote {Path.GetRelativePath(store.RepositoryRoot, store.BenchmarksFile)} from {store.LoadAll().Count} result file(s) in {Path.GetRelativePath(store.RepositoryRoot, store.ResultsDirectory)}");
return 0;

static string CommandLine(BenchOptions options)
{
    var configuration = MachineInfo.BuildConfiguration == "Release" ? "-c Release " : "";
    var args = options.Arguments ?? [];
    var tail = args.Count == 0 ? "" : " -- " + string.Join(" ", args.Select(Quote));
    return $"dotnet run {configuration}--project bench/Graft.Bench{tail}";
}

static string Quote(string arg) =>
    arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ':') ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
