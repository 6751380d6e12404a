using System.CommandLine;
using System.Globalization;
using Graft.Data;
using Graft.Data.Formats.Csv;
using Graft.Data.Inspection;
using Graft.Data.Sources;
using Spectre.Console;

namespace Graft.Cli.Commands;

/// <summary><c>graft data ...</c>.</summary>
internal static class DataCommands
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var source = new Argument<string>("source") { Description = "A file (CSV, IDX, .npy, .npz, .safetensors), a folder, or a built-in dataset (" + string.Join(", ", DataSource.KnownDatasets) + ")." };
        var labels = new Option<string[]>("--label") { Description = "A label tensor or column, optionally with its kind: name or name:class|multi_label|value. Repeat for several.", AllowMultipleArgumentsPerToken = false };
        var limit = new Option<int>("--limit") { Description = "Read only the first N samples." };
        var inspect = new Command("inspect", "Show shapes, dtypes, label kinds, missing counts and class balance.") { source, labels, limit };
        inspect.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var declared = new Dictionary<string, LabelKind?>();
            foreach (var spec in parse.GetValue(labels) ?? Array.Empty<string>())
            {
                var parts = spec.Split(':', 2);
                declared[parts[0]] = parts.Length == 1 ? null : parts[1].ToLowerInvariant() switch
                {
                    "class" => LabelKind.Class,
                    "multi_label" or "multilabel" => LabelKind.MultiLabel,
                    "value" => LabelKind.Value,
                    _ => throw new ArgumentException($"--label {spec}: the kind must be class, multi_label or value."),
                };
            }

            var path = parse.GetValue(source)!;
            var data = Graft.Runs.Execution.SyntheticData.Names.Contains(path) ? Graft.Runs.Execution.SyntheticData.Open(path, parse.GetValue(limit)) : DataSource.Open(path, new DataSourceOptions(declared, parse.GetValue(limit)));
            try
            {
                Print(console, path, DatasetSummary.Of(data));
                if (data is TensorDataset tabular && path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !DataSource.IsSklearnLayout(path))
                    PrintColumns(console, CsvReader.Inspect(path, new CsvReadOptions { Labels = tabular.Schema.Labels.Select(l => new CsvLabel(l.Name, l.Kind)).ToArray() }));
            }
            finally
            {
                (data as IDisposable)?.Dispose();
            }

            return 0;
        }));
        return new Command("data", "Work with datasets.") { inspect };
    }

    private static void Print(IAnsiConsole console, string source, DatasetSummary summary)
    {
        console.MarkupLine($"[bold]{Markup.Escape(source)}[/]: {summary.Samples.ToString("N0", CultureInfo.InvariantCulture)} samples");
        var table = new Table().AddColumns("tensor", "role", "shape", "dtype", "kind", "missing", "min", "max", "mean");
        foreach (var t in summary.Tensors)
            table.AddRow(
                Markup.Escape(t.Name), t.Role, Markup.Escape("[" + string.Join(", ", t.Shape) + "]"), t.DType, t.Kind?.ToString() ?? "",
                t.Missing?.ToString(CultureInfo.InvariantCulture) ?? "", Num(t.Min), Num(t.Max), Num(t.Mean));
        console.Write(table);
        foreach (var b in summary.Balances)
        {
            long total = b.Counts.Sum(c => c.Count);
            var balance = new Table().Title($"class balance of '{Markup.Escape(b.Label)}'").AddColumns("class", "index", "samples", "share");
            for (int i = 0; i < b.Counts.Count; i++)
                balance.AddRow(Markup.Escape(b.Counts[i].Class), i.ToString(CultureInfo.InvariantCulture), b.Counts[i].Count.ToString(CultureInfo.InvariantCulture),
                    total == 0 ? "" : (100.0 * b.Counts[i].Count / total).ToString("0.0", CultureInfo.InvariantCulture) + "%");
            if (b.Missing > 0) balance.AddRow(Markup.Escape("(missing)"), "", b.Missing.ToString(CultureInfo.InvariantCulture), "");
            console.Write(balance);
        }
    }

    private static void PrintColumns(IAnsiConsole console, CsvFileReport report)
    {
        var table = new Table().Title("CSV columns (missing cells: empty, NA or NaN)").AddColumns("column", "type", "role", "missing", "categories");
        foreach (var c in report.Columns)
            table.AddRow(Markup.Escape(c.Name), c.Type.ToString(), c.Role.ToString(), c.MissingCount.ToString(CultureInfo.InvariantCulture),
                c.Categories is { Count: > 0 } cats ? Markup.Escape(string.Join(", ", cats.Take(8)) + (cats.Count > 8 ? ", ..." : "")) : "");
        console.Write(table);
    }

    private static string Num(double? v) => v is null ? "" : v.Value.ToString(Math.Abs(v.Value) >= 1000 ? "0.#" : "0.####", CultureInfo.InvariantCulture);
}
