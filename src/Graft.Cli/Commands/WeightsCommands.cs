using System.CommandLine;
using System.Globalization;
using Graft.Models.Pretrained;
using Graft.Runs.Zoo;
using Graft.Weights;
using Graft.Weights.Formats;
using Graft.Weights.Loading;
using Spectre.Console;

namespace Graft.Cli.Commands;

/// <summary><c>graft weights list | show | verify | export</c> and <c>graft zoo build</c>.</summary>
internal static class WeightsCommands
{
    public static Command CreateWeights(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var command = new Command("weights", "List, show, verify and export registered weights (built-in entries and your catalogs).");
        command.Subcommands.Add(List(console, error));
        command.Subcommands.Add(Show(output, error));
        command.Subcommands.Add(Verify(output, error));
        command.Subcommands.Add(Export(output, error));
        return command;
    }

    public static Command CreateZoo(TextWriter output, TextWriter error)
    {
        var zoo = new Option<string>("--zoo") { Description = "The folder of recipes.", DefaultValueFactory = _ => "zoo" };
        var outDir = new Option<string>("--output") { Description = "Where the weights and weights.json go.", DefaultValueFactory = _ => "src/Graft/Models/Pretrained/BuiltIn" };
        var runs = new Option<string>("--runs") { Description = "Where the training runs go.", DefaultValueFactory = _ => "runs/zoo" };
        var only = new Option<string[]>("--only") { Description = "Build only these entries (repeatable), e.g. --only MlpWeights.IrisV1." };
        var build = new Command("build", "Train every built-in entry with its recipe and write its weights and measured metadata.") { zoo, outDir, runs, only };
        build.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var dir = parse.GetValue(zoo)!;
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--zoo {dir}: the folder does not exist (run from the repository root or pass --zoo).");
            var built = ZooBuilder.Build(dir, parse.GetValue(outDir)!, parse.GetValue(runs)!, parse.GetValue(only), output);
            foreach (var e in built) output.WriteLine($"{e.Name}  {e.Sha256}  {e.Metadata.FileSize} bytes");
            return 0;
        }));
        var command = new Command("zoo", "Reproduce Graft's built-in weights from their recipes.");
        command.Subcommands.Add(build);
        return command;
    }

    private static Command List(IAnsiConsole console, TextWriter error)
    {
        var builder = new Option<string?>("--builder") { Description = "Only weights for this builder (e.g. resnet8)." };
        var tag = new Option<string?>("--tag") { Description = "Only entries with this tag." };
        var dataset = new Option<string?>("--dataset") { Description = "Only entries with a metric on this dataset." };
        var name = new Option<string?>("--name") { Description = "Only entries whose name contains this text." };
        var command = new Command("list", "List registered weights entries with their builder, size and headline metric.") { builder, tag, dataset, name };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var table = new Table().AddColumns("name", "builder", "parameters", "file size", "metric", "tags");
            foreach (var e in WeightsRegistry.List(parse.GetValue(builder), parse.GetValue(tag), parse.GetValue(dataset), parse.GetValue(name)))
            {
                var m = e.Metadata.Metrics.FirstOrDefault();
                table.AddRow(Markup.Escape(e.Name), Markup.Escape(e.Builder ?? "?"), e.Metadata.ParameterCount.ToString("N0", CultureInfo.InvariantCulture),
                    Bytes(e.Metadata.FileSize), Markup.Escape(m is null ? "" : $"{m.Metric} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)} ({m.Dataset})"),
                    Markup.Escape(string.Join(", ", e.Metadata.Tags)));
            }

            console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Show(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "A registry entry name (e.g. SmallCnnWeights.FashionMnistV1) or a weights file." };
        var recipe = new Option<bool>("--recipe") { Description = "Also print the recipe (the run file that made the weights)." };
        var command = new Command("show", "Show an entry: source, digest, builder, preprocessing and metadata.") { name, recipe };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var e = WeightsResolver.Default.Resolve(parse.GetValue(name)!);
            var m = e.Metadata;
            output.WriteLine($"name:          {e.Name}");
            if (m.Description is not null) output.WriteLine($"description:   {m.Description}");
            output.WriteLine($"builder:       {e.Builder ?? "(unknown)"}{(e.BuilderArgs.Count > 0 ? " " + string.Join(", ", e.BuilderArgs.Select(kv => $"{kv.Key}={Text(kv.Value)}")) : "")}");
            output.WriteLine($"source:        {(e.IsRemote ? e.Source : e.LocalPath)} ({e.Format.ToString().ToLowerInvariant()})");
            output.WriteLine($"sha256:        {e.Sha256}");
            output.WriteLine($"input shape:   [{string.Join(", ", e.InputShape)}]");
            output.WriteLine($"preprocessing: {e.Preprocessing}");
            output.WriteLine($"categories:    {(m.Categories.Count == 0 ? "(none)" : string.Join(", ", m.Categories))}");
            output.WriteLine($"parameters:    {m.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}");
            output.WriteLine($"ops/forward:   {(m.OpsPerForward is { } ops ? ops.ToString("N0", CultureInfo.InvariantCulture) + " multiply-adds" : "(unknown)")}");
            output.WriteLine($"file size:     {m.FileSize.ToString("N0", CultureInfo.InvariantCulture)} bytes");
            foreach (var metric in m.Metrics)
                output.WriteLine($"metric:        {metric.Metric} {metric.Value.ToString("0.0000", CultureInfo.InvariantCulture)} on {metric.Dataset}");
            output.WriteLine($"lineage:       {m.Lineage ?? "(trained from scratch)"}");
            output.WriteLine($"created:       {(m.Created is { } c ? c.ToString("u", CultureInfo.InvariantCulture) : "(unknown)")}");
            output.WriteLine($"tags:          {string.Join(", ", m.Tags)}");
            if (parse.GetValue(recipe) && m.Recipe is not null) output.Write("recipe:\n" + m.Recipe);
            return 0;
        }));
        return command;
    }

    private static Command Verify(TextWriter output, TextWriter error)
    {
        var names = new Argument<string[]>("names") { Description = "Entries or files to verify; all registered entries when none.", Arity = ArgumentArity.ZeroOrMore };
        var tag = new Option<string?>("--tag") { Description = "Without names: only entries with this tag (e.g. built-in)." };
        var command = new Command("verify", "Check the full SHA-256 of weights files against their entries and that they parse.") { names, tag };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var given = parse.GetValue(names) ?? [];
            var entries = given.Length == 0 ? WeightsRegistry.List(tag: parse.GetValue(tag)) : given.Select(n => WeightsResolver.Default.Resolve(n)).ToList();
            if (entries.Count == 0) throw new ArgumentException("no weights entries are registered.");
            foreach (var e in entries)
            {
                var state = WeightsLoader.ReadState(e);
                long count = state.Count;
                foreach (var t in state.Values) t.Dispose();
                output.WriteLine($"ok  {e.Name}  sha256 {e.Sha256}  {count} tensors");
            }

            return 0;
        }));
        return command;
    }

    private static Command Export(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "A registry entry name or a weights file." };
        var file = new Option<string>("--output") { Description = "The file to write.", Required = true };
        var format = new Option<string?>("--format") { Description = "safetensors or torchsharp (default: from the output's extension)." };
        var command = new Command("export", "Write an entry's weights (verified) to safetensors or TorchSharp's format, with a .sha256 file beside it.") { name, file, format };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var e = WeightsResolver.Default.Resolve(parse.GetValue(name)!);
            var target = parse.GetValue(file)!;
            var fmt = parse.GetValue(format) is { } f ? WeightsFormats.Parse(f) : WeightsFormats.FromPath(target);
            var state = WeightsLoader.ReadState(e);
            try
            {
                WeightsFile.Write(target, state, fmt, fmt == WeightsFormat.Safetensors ? new Dictionary<string, string> { ["format"] = "pt", ["graft.entry"] = e.Name } : null);
            }
            finally
            {
                foreach (var t in state.Values) t.Dispose();
            }

            var digest = WeightsEntry.HashFile(target);
            File.WriteAllText(target + ".sha256", $"{digest}  {Path.GetFileName(target)}\n");
            output.WriteLine($"wrote {target} ({fmt.ToString().ToLowerInvariant()}, sha256 {digest})");
            return 0;
        }));
        return command;
    }

    private static string Bytes(long n) => n >= 1 << 20 ? (n / 1048576.0).ToString("0.0 MB", CultureInfo.InvariantCulture)
        : n >= 1 << 10 ? (n / 1024.0).ToString("0.0 kB", CultureInfo.InvariantCulture) : n + " B";

    private static string Text(object v) => v is string s ? s : v is System.Collections.IEnumerable list ? "[" + string.Join(", ", list.Cast<object>().Select(Text)) + "]" : v.ToString() ?? "";
}
