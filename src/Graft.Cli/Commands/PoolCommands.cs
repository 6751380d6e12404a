using System.CommandLine;
using System.Globalization;
using Graft.Data;
using Graft.Data.Sources;
using Graft.Models.Catalog;
using Graft.Models.Pretrained;
using Graft.Pool;
using Graft.Pool.Fingerprints;
using Graft.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace Graft.Cli.Commands;

/// <summary><c>graft pool add | list | show | alias | rm | gc</c>.</summary>
internal static class PoolCommands
{
    public static Command Create(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var pool = new Option<string>("--pool")
        {
            Description = "The pool's folder (default: $GRAFT_HOME/pool, else ~/.graft/pool).",
            DefaultValueFactory = _ => PretrainingPool.DefaultDirectory,
            Recursive = true,
        };
        var command = new Command("pool", "The pretraining pool: models new models start from. Add, list, show, alias, remove, collect garbage.") { pool };
        command.Subcommands.Add(Add(pool, output, error));
        command.Subcommands.Add(List(pool, console, error));
        command.Subcommands.Add(Show(pool, output, error));
        command.Subcommands.Add(Alias(pool, output, error));
        command.Subcommands.Add(Remove(pool, output, error));
        command.Subcommands.Add(Gc(pool, output, error));
        command.Subcommands.Add(Rank(pool, console, output, error));
        return command;
    }

    private static Command Rank(Option<string> poolOption, IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A builder (e.g. small_cnn) or a run file (its model trained against a label).", Required = true };
        var data = new Option<string?>("--data") { Description = "The target data (any data source); for a run file, default: the run's training data." };
        var args = new Option<string[]>("--arg") { Description = "A builder argument, name=value (repeatable), e.g. --arg width=48." };
        var feature = new Option<string?>("--feature") { Description = "The input feature (default: the data's only feature)." };
        var label = new Option<string?>("--label") { Description = "The label (default: the data's only label)." };
        var limit = new Option<int>("--limit") { Description = "Use only the first N samples of the data (0: all; run files: at most 5000 training samples).", DefaultValueFactory = _ => 0 };
        var candidates = new Option<int>("--candidates") { Description = "At most this many pool entries are transferred and ranked.", DefaultValueFactory = _ => 10 };
        var scored = new Option<int>("--scored") { Description = "How many of the best-ranked are scored on the held-out slice.", DefaultValueFactory = _ => 3 };
        var command = new Command("rank", "Show how the pool would initialise a model for some data: every candidate's LogME, held-out score, transferred layers and why; nothing is written.")
            { model, data, args, feature, label, limit, candidates, scored };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            using var pool = Open(parse.GetValue(poolOption)!);
            var options = new PretrainOptions { MaxCandidates = parse.GetValue(candidates), ScoredCandidates = parse.GetValue(scored) };
            var what = parse.GetValue(model)!;
            Graft.Pool.Transfer.TransferReport report;
            if (what.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || what.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || File.Exists(what))
            {
                var overrides = parse.GetValue(data) is { } d ? new[] { "data.source=" + d } : Array.Empty<string>();
                var run = Graft.Runs.RunFiles.RunFileParser.Load(what, overrides);
                int n = parse.GetValue(limit);
                report = Graft.Runs.Execution.RunExecutor.RankInPool(run, pool, null, options, n > 0 ? n : 5000);
            }
            else
            {
                var source = parse.GetValue(data) ?? throw new ArgumentException($"--model {what} is a builder: pass --data with the target data.");
                var (x, y) = Materialise(DataSource.Open(source, new DataSourceOptions(Limit: parse.GetValue(limit))), parse.GetValue(feature), parse.GetValue(label), source);
                using (x)
                using (y)
                {
                    var task = TaskFingerprint.Of(x, y);
                    var builderArgs = new Dictionary<string, object>();
                    foreach (var a in parse.GetValue(args) ?? [])
                    {
                        int eq = a.IndexOf('=');
                        if (eq <= 0) throw new ArgumentException($"--arg {a}: write name=value, e.g. --arg width=48.");
                        var value = a[(eq + 1)..];
                        builderArgs[a[..eq]] = long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l
                            : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var dv) ? dv : value;
                    }

                    using var built = ModelCatalog.Create(what, builderArgs, new ModelShapes(task.InputShape, task.Classes));
                    pool.GetPretrainedModel(built.AsTensorModule(), x, y, out report, options);
                }
            }

            var table = new Table().AddColumns("candidate", "LogME", report.Metric, "loss", "layers", "seconds", "why");
            foreach (var c in report.Candidates)
                table.AddRow(Markup.Escape((c.Reference == report.Chosen ? "* " : "  ") + c.Reference), Number(c.Transferability), Number(c.Score), Number(c.Loss),
                    c.LayersTransferred.ToString(CultureInfo.InvariantCulture), c.Seconds.ToString("0.00", CultureInfo.InvariantCulture), Markup.Escape(c.Note));
            console.Write(table);
            output.WriteLine($"{report.Summary} ({report.Elapsed.TotalSeconds:0.0} s, {report.HeldOutSamples} held-out samples)");
            return 0;
        }));
        return command;
    }

    private static string Number(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    private static Command Add(Option<string> poolOption, TextWriter output, TextWriter error)
    {
        var weights = new Argument<string>("source") { Description = "A run directory (its best checkpoint), or weights: a registry entry (SmallCnnWeights.FashionMnistV1), a weights file, or pool:name@version." };
        var name = new Option<string?>("--name") { Description = "The pool entry's name (a new version when it exists); for a run, default <run folder>-<model>." };
        var model = new Option<string?>("--model") { Description = "For a run directory: the model to add (default: the one trained against a label)." };
        var data = new Option<string?>("--data") { Description = "For weights: the data to measure on (any data source: fashion-mnist:test, iris, a file); its held-out part gives the metrics." };
        var builder = new Option<string?>("--builder") { Description = "The builder of the architecture (default: the weights entry's)." };
        var feature = new Option<string?>("--feature") { Description = "The input feature (default: the data's only feature)." };
        var label = new Option<string?>("--label") { Description = "The label (default: the data's only label)." };
        var heldOut = new Option<double>("--held-out") { Description = "The fraction of the data held out for the metrics.", DefaultValueFactory = _ => 0.2 };
        var limit = new Option<int>("--limit") { Description = "Use only the first N samples of the data (0: all)." };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeatable)." };
        var command = new Command("add", "Add a trained model to the pool, with its architecture, task fingerprint, held-out metrics and dataset.")
            { weights, name, model, data, builder, feature, label, heldOut, limit, tags };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var source = parse.GetValue(weights)!;
            if (Directory.Exists(source) && File.Exists(Path.Combine(source, Graft.Runs.Execution.RunExecutor.ResolvedRunFile)))
            {
                using var runPool = new PretrainingPool(parse.GetValue(poolOption)!);
                var fromRun = Graft.Runs.Execution.RunExecutor.AddToPool(source, runPool, parse.GetValue(model), parse.GetValue(name));
                output.WriteLine(Describe(fromRun));
                return 0;
            }

            var dataSource = parse.GetValue(data) ?? throw new ArgumentException($"{source} is not a run directory (it has no {Graft.Runs.Execution.RunExecutor.ResolvedRunFile}), so it names weights: pass --data with the data to measure them on.");
            var entryName = parse.GetValue(name) ?? throw new ArgumentException("adding weights needs --name (the pool entry's name).");
            var entry = WeightsResolver.Default.Resolve(parse.GetValue(weights)!);
            var builderName = parse.GetValue(builder) ?? entry.Builder
                              ?? throw new ArgumentException($"the weights {entry.Name} do not say which builder makes their architecture: pass --builder (e.g. --builder small_cnn).");
            var (x, y) = Materialise(DataSource.Open(dataSource, new DataSourceOptions(Limit: parse.GetValue(limit))), parse.GetValue(feature), parse.GetValue(label), dataSource);
            using (x)
            using (y)
            {
                var task = TaskFingerprint.Of(x, y);
                var (built, report) = Graft.Models.Pretrained.Models.Create(builderName, entry, null, new ModelShapes(task.InputShape, task.Classes));
                using (built)
                using (var pool = new PretrainingPool(parse.GetValue(poolOption)!))
                {
                    var added = pool.AddModel(built.AsTensorModule(), x, y, entryName, new AddModelOptions
                    {
                        HeldOutFraction = parse.GetValue(heldOut),
                        Builder = builderName,
                        BuilderArgs = entry.BuilderArgs,
                        Lineage = entry.Name,
                        Recipe = entry.Metadata.Recipe,
                        Tags = parse.GetValue(tags) ?? [],
                    });
                    output.WriteLine(Describe(added) + $" ({report})");
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command List(Option<string> poolOption, IAnsiConsole console, TextWriter error)
    {
        var name = new Argument<string?>("name") { Description = "Only entries whose name matches this glob (e.g. fashion-*).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("list", "List the pool's entries: version, aliases, architecture, task and held-out score.") { name };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            using var pool = Open(parse.GetValue(poolOption)!);
            var table = new Table().AddColumns("entry", "aliases", "builder", "layers", "parameters", "task", "score", "created");
            foreach (var e in pool.Store.List(parse.GetValue(name)))
            {
                var aliases = pool.Store.Aliases(e.Name).Where(a => a.Value == e.Version).Select(a => a.Key);
                table.AddRow(Markup.Escape($"{e.Name}@{e.Version}"), Markup.Escape(string.Join(", ", aliases)), Markup.Escape(e.Builder ?? "?"),
                    e.Architecture.Layers.Count.ToString(CultureInfo.InvariantCulture), e.Architecture.ParameterCount.ToString("N0", CultureInfo.InvariantCulture),
                    Markup.Escape(e.Task.Key), e.Score.ToString("0.0000", CultureInfo.InvariantCulture), e.Created.ToString("u", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Show(Option<string> poolOption, TextWriter output, TextWriter error)
    {
        var reference = new Argument<string>("entry") { Description = "name, name@version or name@alias." };
        var command = new Command("show", "Show an entry: files and digests, architecture signature, task fingerprint, metrics, lineage.") { reference };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            using var pool = Open(parse.GetValue(poolOption)!);
            var e = pool.Get(parse.GetValue(reference)!);
            output.WriteLine($"entry:        {e.Reference}");
            output.WriteLine($"aliases:      {string.Join(", ", pool.Store.Aliases(e.Name).Where(a => a.Value == e.Version).Select(a => a.Key))}");
            output.WriteLine($"builder:      {e.Builder ?? "(unknown)"}");
            output.WriteLine($"weights:      {e.WeightsSha256} ({e.FileSize:N0} bytes)");
            output.WriteLine($"dataset:      {e.DatasetSha256}");
            output.WriteLine($"task:         {e.Task} (key {e.Task.Key}; input mean {e.Task.InputMean:0.###}, std {e.Task.InputStd:0.###})");
            foreach (var m in e.Metrics)
                output.WriteLine($"metric:       {m.Metric} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)} on {m.Dataset}");
            output.WriteLine($"lineage:      {e.Lineage ?? "(none recorded)"}");
            output.WriteLine($"created:      {e.Created.ToString("u", CultureInfo.InvariantCulture)}");
            output.WriteLine($"tags:         {string.Join(", ", e.Tags)}");
            output.WriteLine($"architecture: {e.Architecture.Layers.Count} layers, {e.Architecture.ParameterCount:N0} parameters, hash {e.Architecture.Hash[..16]}, family {e.Architecture.FamilyHash[..16]}");
            foreach (var l in e.Architecture.Layers) output.WriteLine($"  {l}");
            return 0;
        }));
        return command;
    }

    private static Command Alias(Option<string> poolOption, TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The entry's name." };
        var alias = new Argument<string>("alias") { Description = "The alias (e.g. champion)." };
        var version = new Argument<int>("version") { Description = "The version it points to." };
        var command = new Command("alias", "Point an alias (e.g. champion) of a name at one of its versions: name@alias then names that version.") { name, alias, version };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            using var pool = Open(parse.GetValue(poolOption)!);
            pool.SetAlias(parse.GetValue(name)!, parse.GetValue(alias)!, parse.GetValue(version));
            output.WriteLine($"{parse.GetValue(name)}@{parse.GetValue(alias)} -> version {parse.GetValue(version)}");
            return 0;
        }));
        return command;
    }

    private static Command Remove(Option<string> poolOption, TextWriter output, TextWriter error)
    {
        var reference = new Argument<string>("entry") { Description = "name@version (one version) or name (every version)." };
        var command = new Command("rm", "Remove one version of an entry, or all of them; `graft pool gc` then deletes the files no entry uses.") { reference };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            using var pool = Open(parse.GetValue(poolOption)!);
            var text = parse.GetValue(reference)!;
            int removed;
            if (text.Contains('@'))
            {
                var e = pool.Get(text);
                removed = pool.Store.Remove(e.Name, e.Version);
            }
            else
            {
                _ = pool.Get(text);
                removed = pool.Store.Remove(text);
            }

            output.WriteLine($"removed {removed} entr{(removed == 1 ? "y" : "ies")}; run `graft pool gc` to delete files no entry uses.");
            return 0;
        }));
        return command;
    }

    private static Command Gc(Option<string> poolOption, TextWriter output, TextWriter error)
    {
        var command = new Command("gc", "Delete stored files no entry references (and files left by interrupted adds).");
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            using var pool = Open(parse.GetValue(poolOption)!);
            var removed = pool.Store.CollectGarbage();
            output.WriteLine($"deleted {removed.Count} file(s) from {pool.Store.Location}");
            return 0;
        }));
        return command;
    }

    private static string Describe(PoolEntry added) =>
        $"added {added.Reference}: {added.Architecture.Layers.Count} layers, {added.Architecture.ParameterCount:N0} parameters, task {added.Task.Key}, " +
        $"held-out {string.Join(", ", added.Metrics.Select(m => $"{m.Metric} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))}";

    private static PretrainingPool Open(string directory)
    {
        if (!File.Exists(Path.Combine(directory, "index.db")))
            throw new DirectoryNotFoundException($"there is no pool at {directory}: add a model first (graft pool add), or pass --pool.");
        return new PretrainingPool(directory);
    }

    /// <summary>The whole dataset's feature and label as two tensors.</summary>
    private static (Tensor X, Tensor Y) Materialise(IDataset data, string? feature, string? label, string source)
    {
        var features = data.Schema.Features.Select(f => f.Name).ToList();
        var labels = data.Schema.Labels.Select(l => l.Name).ToList();
        string f = feature ?? (features.Count == 1 ? features[0] : throw new ArgumentException($"--data {source} has features {string.Join(", ", features)}: pass --feature."));
        string l = label ?? (labels.Count == 1 ? labels[0] : throw new ArgumentException($"--data {source} has {(labels.Count == 0 ? "no label" : "labels " + string.Join(", ", labels))}: pass --label."));
        if (!features.Contains(f)) throw new ArgumentException($"--feature {f}: --data {source} has no such feature; its features are {string.Join(", ", features)}.");
        if (!labels.Contains(l)) throw new ArgumentException($"--label {l}: --data {source} has no such label; its labels are {string.Join(", ", labels)}.");
        using var batch = data.GetBatch(Enumerable.Range(0, checked((int)data.Count)).Select(i => (long)i).ToArray());
        return (batch[f].detach().clone(), batch.Labels[l].Values.detach().clone());
    }
}
