using System.Globalization;

namespace Graft.Bench;

/// <summary>The command line of the bench, parsed.</summary>
/// <param name="Study">The study to run, or several separated by commas; null runs every study.</param>
/// <param name="Pairs">How many measured pairs (or repetitions) a study makes after its warm-up.</param>
/// <param name="Limit">When set, studies use only this many samples: a smoke run, kept out of BENCHMARKS.md.</param>
/// <param name="Quick">Every study on tiny sizes (a few minutes for the suite): a smoke test of the harness, kept out of BENCHMARKS.md.</param>
/// <param name="ReportOnly">Only regenerate BENCHMARKS.md from the saved results.</param>
/// <param name="List">Only list the studies.</param>
/// <param name="Help">Only print the usage.</param>
/// <param name="Arguments">The arguments as given, for the recorded command line.</param>
internal sealed record BenchOptions(
    string? Study = null,
    int Pairs = BenchOptions.DefaultPairs,
    long? Limit = null,
    bool Quick = false,
    bool ReportOnly = false,
    bool List = false,
    bool Help = false,
    IReadOnlyList<string>? Arguments = null)
{
    public const int DefaultPairs = 5;

    public const string Usage =
        """
        Graft benchmarks.

        usage: dotnet run -c Release --project bench/Graft.Bench -- [options]

          --study NAME   run only this study, or several: NAME,NAME (default: all); --list shows them
          --pairs N      measured pairs per study after the warm-up (default 5, at least 1)
          --limit N      use only the first N samples: a smoke run, saved under bench/results/smoke/
          --quick        every study on tiny sizes, one pair, in a few minutes: a smoke test of the harness
                         (saved under bench/results/smoke/; targets are reported, not asserted)
          --report       only regenerate BENCHMARKS.md from bench/results/*.json
          --list         list the studies
          --help         show this text
        """;

    /// <summary>The number of samples a study should use: <see cref="Limit"/> when set, else <paramref name="quick"/> in a quick run, else all (null).</summary>
    public long? Samples(long quick) => Limit ?? (Quick ? quick : null);

    /// <summary>Whether this is a smoke run (<c>--quick</c>, or a sample limit is set).</summary>
    public bool Smoke => Quick || Limit is not null;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions(Arguments: args.ToArray());
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--study":
                    options = options with { Study = Value(args, ref i) };
                    break;
                case "--pairs":
                    options = options with { Pairs = (int)Number(args, ref i, 1, 1000) };
                    break;
                case "--limit":
                    options = options with { Limit = Number(args, ref i, 1, long.MaxValue) };
                    break;
                case "--quick":
                    options = options with { Quick = true, Pairs = 1 };
                    break;
                case "--report":
                    options = options with { ReportOnly = true };
                    break;
                case "--list":
                    options = options with { List = true };
                    break;
                case "--help" or "-h":
                    options = options with { Help = true };
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{arg}'. Run with --help for the options.");
            }
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        string name = args[i];
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new ArgumentException($"{name} needs a value.");
        return args[++i];
    }

    private static long Number(IReadOnlyList<string> args, ref int i, long min, long max)
    {
        string name = args[i];
        string text = Value(args, ref i);
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
            throw new ArgumentException($"{name} must be a whole number from {min} to {max}; it is '{text}'.");
        return value;
    }
}
