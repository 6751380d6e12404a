using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Graft.Data;
using Graft.Data.Augmentation;
using Graft.Data.Batching;
using Graft.Data.Sources;
using Graft.Data.Splits;
using Graft.Runs.RunFiles;
using Graft.Training;
using Graft.Training.Checkpoints;
using Graft.Training.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Runs.Execution;

/// <summary>How <see cref="RunExecutor.Train"/> runs a run file.</summary>
/// <param name="Dev">Train and validate on the small dev subset (quick debugging on a laptop CPU).</param>
/// <param name="Resume">Continue from the run directory's <c>checkpoints/last.ckpt</c>.</param>
/// <param name="Progress">How progress is shown.</param>
/// <param name="Log">Where plain progress lines go when <paramref name="Progress"/> is <see cref="ProgressMode.Lines"/> (standard output when null).</param>
public sealed record RunOptions(bool Dev = false, bool Resume = false, ProgressMode Progress = ProgressMode.Auto, TextWriter? Log = null)
{
    /// <summary>
    /// Reproduce an earlier run's initialisation: per model, exactly the pool entries it consulted and the teacher it
    /// was distilled from (from its <c>pretraining.json</c>), however the pool has grown since. Null: retrieve
    /// candidates as usual.
    /// </summary>
    public IReadOnlyDictionary<string, RecordedInitialisation>? Reproduce { get; init; }
}

/// <summary>How a run initialised one model from the pool, as its <c>pretraining.json</c> records it.</summary>
/// <param name="Consulted">The entries consulted (<c>pool:name@version</c>).</param>
/// <param name="Teacher">The entry the model was distilled from, or null.</param>
/// <param name="DistillationSteps">The optimizer steps the distillation made (0 when none); for a flow's <c>heads</c>, the head-probing steps.</param>
public sealed record RecordedInitialisation(IReadOnlyList<string> Consulted, string? Teacher = null, int DistillationSteps = 0);

/// <summary>The outcome of a run: every epoch, and the test metrics of the best checkpoint.</summary>
/// <param name="RunDirectory">Where everything was written.</param>
/// <param name="Training">The trainer's result.</param>
/// <param name="Test">Metrics on the test data, by name (empty when there is no test data).</param>
public sealed record RunResult(string RunDirectory, TrainingResult Training, IReadOnlyDictionary<string, double> Test);

/// <summary>One model of a validated run, as <c>graft validate</c> shows it.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Builder">Its builder.</param>
/// <param name="Inputs">Its inputs with their shapes, e.g. <c>image [1, 28, 28]</c>.</param>
/// <param name="Outputs">Its outputs with their shapes.</param>
/// <param name="Parameters">Its number of parameters.</param>
/// <param name="Trained">Whether it is trained.</param>
public sealed record ModelReport(string Name, string Builder, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, long Parameters, bool Trained)
{
    /// <summary>The weights the model starts from: entry, verified digest and what the load did; null when it starts fresh.</summary>
    public string? Weights { get; init; }
}

/// <summary>What <see cref="RunExecutor.Validate"/> found: the samples, the models, the losses and metrics.</summary>
/// <param name="Samples">Samples of the training data.</param>
/// <param name="Models">The models in order.</param>
/// <param name="Losses">Loss names with weights.</param>
/// <param name="Metrics">Metric names.</param>
public sealed record RunReport(long Samples, IReadOnlyList<ModelReport> Models, IReadOnlyList<string> Losses, IReadOnlyList<string> Metrics);

/// <summary>
/// Runs a run file: opens the data, makes or reuses the split (saved as <c>split.json</c>), builds the models in order
/// (each from dataset features or earlier models' outputs, checked by a dry run of one batch), trains all of them with
/// one <see cref="Trainer"/> (every trained model's losses summed into one backward pass) and evaluates the best
/// checkpoint on the test data. The run directory receives the resolved run file (<c>run.yaml</c>), the split,
/// checkpoints (the whole run, and one per model when its metric improves), TensorBoard events, <c>metrics.json</c>,
/// <c>curves.png</c> and <c>test.json</c>.
/// </summary>
public static class RunExecutor
{
    /// <summary>The resolved run file's name inside a run directory.</summary>
    public const string ResolvedRunFile = "run.yaml";

    /// <summary>Checks a run file without training: data, split, models, shapes (a dry run of one batch), losses and metrics.</summary>
    /// <exception cref="RunFileException">The first mistake found, with file, line and key.</exception>
    public static RunReport Validate(RunFile run)
    {
        if (run.Flow is not null) return FlowRunner.Validate(run);
        using var setup = Prepare(run, dev: false, reuseSavedSplit: false, saveSplit: false);
        var models = setup.Graph.Models.Select(m =>
        {
            using var batch = setup.Sample();
            using var scope = NewDisposeScope();
            IReadOnlyDictionary<string, Tensor> outputs;
            using (no_grad()) outputs = setup.Graph.Forward(batch);
            var inputs = m.Inputs.Select(r => $"{r.Text} [{string.Join(", ", Shape(r, batch, outputs))}]").ToList();
            var outs = m.Built.OutputNames.Select(o => $"{m.Name}.{o} [{string.Join(", ", outputs[m.Name + "." + o].shape.Skip(1))}]").ToList();
            return new ModelReport(m.Name, m.Section.Builder, inputs, outs, m.Built.Module.parameters().Sum(p => p.numel()), m.Section.Train)
            {
                Weights = m.WeightsReport is { } w ? $"{w.Entry} (sha256 {w.Sha256[..12]}... verified; {w})" : null,
            };
        }).ToList();
        return new RunReport(setup.TrainingSamples, models, setup.Plan.Losses.Select(l => $"{l.Name} (weight {l.Weight.ToString(CultureInfo.InvariantCulture)})").ToList(), setup.Plan.Metrics.Select(m => m.Name).ToList());
    }

    /// <summary>Trains as <paramref name="run"/> says.</summary>
    public static RunResult Train(RunFile run, RunOptions? options = null)
    {
        options ??= new RunOptions();
        if (run.Flow is not null) return FlowRunner.Train(run, options);
        var dir = run.Logging.RunDirectory;
        var resume = options.Resume ? Path.Combine(dir, "checkpoints", "last.ckpt") : null;
        if (resume is not null && !File.Exists(resume))
            throw new RunFileException(run.Path, 0, "", $"cannot resume: {resume} does not exist (no epoch of this run finished).");

        using var setup = Prepare(run, options.Dev, reuseSavedSplit: options.Resume, saveSplit: true);
        Directory.CreateDirectory(dir);
        if (!options.Resume) AtomicWrite(Path.Combine(dir, ResolvedRunFile), run.Yaml);
        using var pool = run.Pretrain.FromPool || run.Pretrain.AddToPool ? OpenPool(run) : null;
        if (!options.Resume && run.Pretrain.FromPool) PretrainFromPool(run, setup, pool!, options, dir);
        var lines = options.Progress == ProgressMode.Lines && options.Log is not null;
        var trainerOptions = run.Training with { Progress = lines ? ProgressMode.None : options.Progress };
        var callbacks = new List<Graft.Training.Callbacks.ITrainerCallback>();
        if (lines) callbacks.Add(new ConsoleProgress(ProgressMode.Lines, options.Log));
        if (setup.Graph.Models.Count > 1 || setup.Graph.Models.Any(m => m.Section.CheckpointMonitor is not null))
        {
            callbacks.Add(new ModelCheckpoints(Path.Combine(dir, "checkpoints"), setup.Graph.Models.Where(m => m.Section.Train).Select(m =>
            {
                var monitor = m.Section.CheckpointMonitor ?? run.Training.Monitor;
                return (m.Name, (nn.Module)m.Built.Module, monitor, setup.Plan.HigherIsBetter(monitor));
            })));
        }

        var trainer = new Trainer(trainerOptions, callbacks);
        var result = trainer.Fit(setup.Plan, setup.Train, setup.Validation, resume);
        var test = EvaluateBest(setup, result.BestCheckpoint);
        if (test.Count > 0) AtomicWrite(Path.Combine(dir, "test.json"), JsonSerializer.Serialize(test, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        if (run.Pretrain.AddToPool && !options.Dev && (setup.Validation is not null || setup.Test is not null))
            foreach (var m in PoolModels(setup))
            {
                // The models hold the best checkpoint's weights now (EvaluateBest loaded it).
                var entry = AddModelToPool(run, setup, pool!, m, PoolName($"{Path.GetFileName(dir.TrimEnd('/'))}-{m.Name}"));
                options.Log?.WriteLine($"added {m.Name} to the pool as {entry.Reference} (held-out {string.Join(", ", entry.Metrics.Select(x => $"{x.Metric} {x.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))})");
            }

        return new RunResult(dir, result, test);
    }

    /// <summary>A pool entry name from any text: characters a name cannot hold become '-'.</summary>
    private static string PoolName(string text)
    {
        var name = new string(text.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray()).Trim('-');
        return name.Length == 0 ? "run" : name;
    }

    /// <summary>The name of the file in which a run records how its models were initialised from the pool.</summary>
    public const string PretrainingRecord = "pretraining.json";

    private static Graft.Pool.PretrainingPool OpenPool(RunFile run) =>
        run.Pretrain.Directory is { } d ? new Graft.Pool.PretrainingPool(d) : Graft.Pool.Pretraining.OpenDefaultPool();

    /// <summary>The models a pool can take: trained, against a label, with one input.</summary>
    private static IEnumerable<GraphModel> PoolModels(Setup setup) =>
        setup.Graph.Models.Where(m => m.Section.Train && m.Inputs.Count == 1 && setup.Graph.TargetOf(m) is not null);

    /// <summary>
    /// Initialises every trained model with one input (and no <c>weights:</c>) from the pool, in the order the models
    /// run, within a tenth of the planned training time (estimated from one timed step; at least
    /// <see cref="Graft.Pool.PretrainingPool.DefaultMinimumBudget"/> per model; nothing with --dev), and
    /// records what was consulted. A model with a label of its own is initialised by its labels (transfer, head
    /// fitting, ranking, distillation); one without (an encoder, a decoder) by architecture and input similarity.
    /// </summary>
    private static void PretrainFromPool(RunFile run, Setup setup, Graft.Pool.PretrainingPool pool, RunOptions options, string dir)
    {
        var record = new JsonObject();
        var models = setup.Graph.Models.Where(m => m.Section.Train && m.Inputs.Count == 1 && m.Section.Weights is null).ToList();
        if (models.Count == 0) return;
        var budget = options.Dev ? TimeSpan.Zero
            : run.Pretrain.BudgetSeconds is { } given ? TimeSpan.FromSeconds(given / models.Count)
            : TimeSpan.FromSeconds(Math.Max(Graft.Pool.PretrainingPool.DefaultMinimumBudget.TotalSeconds,
                0.1 * EstimateStepSeconds(setup) * setup.Train.BatchesPerEpoch * run.Training.Epochs / models.Count));
        foreach (var m in models)
        {
            var label = setup.Graph.TargetOf(m);
            var recorded = options.Reproduce is { } reproduce ? reproduce.GetValueOrDefault(m.Name) ?? new RecordedInitialisation([]) : null;
            if (label is null)
            {
                using var inputs = GatherInputs(setup, m, [setup.Train], 5000);
                pool.GetPretrainedModel(m.Built.AsTensorModule(), inputs, out var unlabelled,
                    new Graft.Pool.PretrainOptions { Budget = recorded is null ? budget : null, Candidates = recorded?.Consulted });
                options.Log?.WriteLine($"pretraining {m.Name}: {unlabelled.Summary} ({unlabelled.Elapsed.TotalSeconds:0.0} s of a {budget.TotalSeconds:0.0} s budget)");
                record[m.Name] = Record(unlabelled, budget);
                continue;
            }

            var (x, y) = Gather(setup, m, label.Name, [setup.Train], 5000);
            using (x)
            using (y)
            {
                // A reproduction takes exactly the recorded entries (without a budget that could leave one out) and the
                // recorded teacher for the recorded number of passes.
                var pretrain = recorded is null
                    ? new Graft.Pool.PretrainOptions { Budget = budget, Distill = !options.Dev }
                    : new Graft.Pool.PretrainOptions
                    {
                        Candidates = recorded.Consulted,
                        Distill = false,
                        Teacher = recorded.Teacher,
                        DistillationEpochs = int.MaxValue,
                        DistillationSteps = recorded.DistillationSteps,
                    };
                pool.GetPretrainedModel(m.Built.AsTensorModule(), x, y, out var report, pretrain);
                options.Log?.WriteLine($"pretraining {m.Name}: {report.Summary} (held-out {report.Metric} {report.ChosenScore.ToString("0.0000", CultureInfo.InvariantCulture)}, {report.Elapsed.TotalSeconds:0.0} s of a {budget.TotalSeconds:0.0} s budget)");
                record[m.Name] = Record(report, budget);
            }
        }

        AtomicWrite(Path.Combine(dir, PretrainingRecord), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    internal static JsonObject Record(Graft.Pool.Transfer.TransferReport report, TimeSpan budget) => new()
    {
        ["chosen"] = report.Chosen,
        ["summary"] = report.Summary,
        ["metric"] = report.Metric,
        ["budget_seconds"] = budget.TotalSeconds,
        ["seconds"] = report.Elapsed.TotalSeconds,
        ["consulted"] = new JsonArray(report.Consulted.Select(c => (JsonNode)new JsonObject { ["reference"] = c.Reference, ["weights_sha256"] = c.WeightsSha256 }).ToArray()),
        ["teacher"] = report.Teacher is { } t ? new JsonObject { ["reference"] = t.Reference, ["weights_sha256"] = t.WeightsSha256 } : null,
        ["distillation_steps"] = report.DistillationSteps,
        ["candidates"] = new JsonArray(report.Candidates.Select(c => (JsonNode)new JsonObject
        {
            ["reference"] = c.Reference,
            ["score"] = double.IsNaN(c.Score) ? null : c.Score,
            ["logme"] = double.IsNaN(c.Transferability) ? null : c.Transferability,
            ["note"] = c.Note,
        }).ToArray()),
    };

    /// <summary>
    /// How each model was initialised, from a run directory's <c>pretraining.json</c> (for <c>graft train --reproduce</c>):
    /// the entries consulted and the teacher, if any. Empty when the run used no pool.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a record Graft wrote; the message names it.</exception>
    public static IReadOnlyDictionary<string, RecordedInitialisation> RecordedInitialisations(string runDirectory)
    {
        var path = Path.Combine(runDirectory, PretrainingRecord);
        if (!File.Exists(path)) return new Dictionary<string, RecordedInitialisation>();
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            // Models' records list what they consulted; a flow's "heads" record holds its head-probing steps.
            return root.ToDictionary(kv => kv.Key, kv => new RecordedInitialisation(
                kv.Value!["consulted"]?.AsArray().Select(c => c!["reference"]!.GetValue<string>()).ToList() ?? [],
                kv.Value["teacher"]?["reference"]?.GetValue<string>(),
                kv.Value["distillation_steps"]?.GetValue<int>() ?? kv.Value["steps"]?.GetValue<int>() ?? 0));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a pretraining record Graft wrote: {e.Message}", e);
        }
    }

    /// <summary>Seconds of one training step (forward and backward of one batch), measured once; parameters are left as they were.</summary>
    private static double EstimateStepSeconds(Setup setup)
    {
        using var batch = setup.Sample();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            setup.Plan.SetTraining(false);   // no batch-norm statistics or dropout draws are touched
            var outputs = setup.Plan.Forward(batch);
            var total = setup.Plan.Losses.Select(l => l.Compute(outputs, batch) * l.Weight).Aggregate((a, b) => a + b);
            total.backward();
        }

        foreach (var p in setup.Plan.ResolveParameterGroups().SelectMany(g => g.Parameters)) p.grad?.zero_();
        // The sample has at most 8 samples: scale to a batch.
        return watch.Elapsed.TotalSeconds * Math.Max(1.0, setup.Train.Options.BatchSize / (double)Math.Max(1, batch.Size));
    }

    /// <summary>Evaluates a finished run directory's checkpoint (best by default) on its validation and test data.</summary>
    public static IReadOnlyDictionary<string, double> Evaluate(string runDirectory, string checkpoint = "best")
    {
        var run = LoadRunDirectory(runDirectory);
        if (run.Flow is not null)
        {
            var flow = FlowRunner.Evaluate(runDirectory, checkpoint);
            return flow.GroundTruth.Rows.ToDictionary(r => $"{flow.Split}.{r.TaskPath}.{r.Metric}", r => r.Value);
        }

        var path = Path.Combine(runDirectory, "checkpoints", checkpoint + ".ckpt");
        using var setup = Prepare(run, dev: false, reuseSavedSplit: true, saveSplit: false);
        CheckpointFile.LoadWeights(path, setup.Plan);
        var result = new Dictionary<string, double>();
        if (setup.Validation is not null)
            foreach (var (k, v) in Trainer.Evaluate(setup.Plan, setup.Validation)) result["validation." + k] = v;
        if (setup.Test is not null)
            foreach (var (k, v) in Trainer.Evaluate(setup.Plan, setup.Test)) result["test." + k] = v;
        return result;
    }

    /// <summary>
    /// Ranks the pool's candidates for a model of <paramref name="run"/> (the one trained against a label, or
    /// <paramref name="model"/>) on up to <paramref name="samples"/> of the run's training samples, as a fresh run of
    /// that file would be initialised; the model is built and discarded, nothing is written.
    /// </summary>
    public static Graft.Pool.Transfer.TransferReport RankInPool(RunFile run, Graft.Pool.PretrainingPool pool, string? model = null, Graft.Pool.PretrainOptions? options = null, int samples = 5000)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(pool);
        using var setup = Prepare(run, dev: false, reuseSavedSplit: false, saveSplit: false);
        var chosen = ChooseModel(setup, run.Path, model);
        var label = setup.Graph.TargetOf(chosen)!;
        var (x, y) = Gather(setup, chosen, label.Name, [setup.Train], samples);
        using (x)
        using (y)
        {
            pool.GetPretrainedModel(chosen.Built.AsTensorModule(), x, y, out var report, options);
            return report;
        }
    }

    private static GraphModel ChooseModel(Setup setup, string where, string? model)
    {
        var candidates = setup.Graph.Models.Where(m => setup.Graph.TargetOf(m) is not null).ToList();
        var chosen = model is not null
            ? setup.Graph.Models.FirstOrDefault(m => m.Name == model)
              ?? throw new ArgumentException($"{where} has no model '{model}'; its models are {string.Join(", ", setup.Graph.Models.Select(m => m.Name))}.")
            : candidates.Count == 1 ? candidates[0]
            : throw new ArgumentException($"{where} has {(candidates.Count == 0 ? "no model trained against a label" : "several models trained against labels: " + string.Join(", ", candidates.Select(m => m.Name)))}; name one with --model.");
        if (setup.Graph.TargetOf(chosen) is null) throw new ArgumentException($"model '{chosen.Name}' is not trained against a label, so the pool cannot measure it.");
        if (chosen.Inputs.Count != 1) throw new ArgumentException($"model '{chosen.Name}' takes {chosen.Inputs.Count} inputs; the pool keeps models of one input.");
        return chosen;
    }

    /// <summary>What <paramref name="chosen"/> receives and the label it is trained against, over the loaders' batches (at most <paramref name="limit"/> samples).</summary>
    /// <summary>A model's inputs (upstream models applied, evaluation mode) over <paramref name="loaders"/>, at most about <paramref name="limit"/> samples.</summary>
    private static Tensor GatherInputs(Setup setup, GraphModel chosen, IEnumerable<BatchLoader?> loaders, int limit)
    {
        var xs = new List<Tensor>();
        long count = 0;
        setup.Plan.SetTraining(false);
        try
        {
            foreach (var loader in loaders)
            {
                if (loader is null) continue;
                foreach (var batch in loader.Epoch(0))
                {
                    using var b = batch;
                    if (count >= limit) break;
                    using var scope = NewDisposeScope();
                    using (no_grad()) xs.Add(setup.Graph.InputOf(chosen, b).detach().clone().MoveToOuterDisposeScope());
                    count += b.Size;
                }
            }

            if (xs.Count == 0) throw new ArgumentException("there are no samples to initialise the model from.");
            return cat(xs, 0);
        }
        finally
        {
            foreach (var t in xs) t.Dispose();
        }
    }

    private static (Tensor X, Tensor Y) Gather(Setup setup, GraphModel chosen, string label, IEnumerable<BatchLoader?> loaders, int limit = int.MaxValue)
    {
        var xs = new List<Tensor>();
        var ys = new List<Tensor>();
        long count = 0;
        setup.Plan.SetTraining(false);
        try
        {
            foreach (var loader in loaders)
            {
                if (loader is null) continue;
                foreach (var batch in loader.Epoch(0))
                {
                    using var b = batch;
                    if (count >= limit) break;
                    using var scope = NewDisposeScope();
                    using (no_grad())
                    {
                        xs.Add(setup.Graph.InputOf(chosen, b).detach().clone().MoveToOuterDisposeScope());
                        ys.Add(b.Labels[label].Values.detach().clone().MoveToOuterDisposeScope());
                    }

                    count += b.Size;
                }
            }

            if (xs.Count == 0) throw new ArgumentException("there are no samples to measure the model on.");
            return (cat(xs, 0), cat(ys, 0));
        }
        finally
        {
            foreach (var t in xs.Concat(ys)) t.Dispose();
        }
    }

    /// <summary>
    /// Adds a model of a finished run (its best checkpoint by default) to <paramref name="pool"/>. The entry's dataset is
    /// the run's validation and test samples — data the model never trained on — as the model sees them (features
    /// normalised, upstream models applied), with the label the model was trained against; the recipe is the resolved
    /// run file.
    /// </summary>
    /// <param name="runDirectory">The run directory (it holds <c>run.yaml</c> and <c>checkpoints/</c>).</param>
    /// <param name="pool">The pool to add to.</param>
    /// <param name="model">The model's name in the run; null when the run trains one model against a label.</param>
    /// <param name="name">The entry's name; null for <c>&lt;run folder&gt;-&lt;model&gt;</c>.</param>
    /// <param name="checkpoint">The checkpoint (<c>best</c> or <c>last</c>).</param>
    public static Graft.Pool.PoolEntry AddToPool(string runDirectory, Graft.Pool.PretrainingPool pool, string? model = null, string? name = null, string checkpoint = "best")
    {
        ArgumentNullException.ThrowIfNull(pool);
        var run = LoadRunDirectory(runDirectory);
        var path = Path.Combine(runDirectory, "checkpoints", checkpoint + ".ckpt");
        if (!File.Exists(path)) throw new FileNotFoundException($"the run {runDirectory} has no {checkpoint} checkpoint ({path}).", path);
        using var setup = Prepare(run, dev: false, reuseSavedSplit: true, saveSplit: false);
        CheckpointFile.LoadWeights(path, setup.Plan);
        var chosen = ChooseModel(setup, $"the run {runDirectory}", model);
        return AddModelToPool(run, setup, pool, chosen, name ?? PoolName($"{Path.GetFileName(Path.GetFullPath(runDirectory).TrimEnd('/'))}-{chosen.Name}"));
    }

    /// <summary>Adds <paramref name="chosen"/> as it is now, measured on the run's validation and test samples.</summary>
    private static Graft.Pool.PoolEntry AddModelToPool(RunFile run, Setup setup, Graft.Pool.PretrainingPool pool, GraphModel chosen, string name)
    {
        var label = setup.Graph.TargetOf(chosen)!;
        var (x, y) = Gather(setup, chosen, label.Name, [setup.Validation, setup.Test]);
        using (x)
        using (y)
            return pool.AddModel(chosen.Built.AsTensorModule(), x, y, name, new Graft.Pool.AddModelOptions
            {
                Builder = chosen.Section.Builder,
                BuilderArgs = chosen.Section.Args,
                Recipe = run.Yaml,
                Lineage = chosen.Section.Weights,
            });
    }

    /// <summary>
    /// Writes predictions of a finished run for the samples of <paramref name="dataSource"/> to the CSV file
    /// <paramref name="outputCsv"/>, decoded: for models trained against a class label, the class name and its
    /// probability; against a multi-label, the names of the classes above 0.5; against values, the values.
    /// </summary>
    /// <returns>The number of samples predicted.</returns>
    public static long Predict(string runDirectory, string dataSource, string outputCsv, string checkpoint = "best")
    {
        var run = LoadRunDirectory(runDirectory);
        if (run.Flow is not null) return FlowRunner.Predict(runDirectory, dataSource, outputCsv, checkpoint);
        using var setup = Prepare(run, dev: false, reuseSavedSplit: true, saveSplit: false);
        CheckpointFile.LoadWeights(Path.Combine(runDirectory, "checkpoints", checkpoint + ".ckpt"), setup.Plan);
        // The new data may carry the run's label columns or not: read them as labels when present, so they are not taken for features.
        var features = run.Data.Features.Count > 0 ? run.Data.Features : null;
        IDataset data;
        try
        {
            data = DataSource.Open(dataSource, new DataSourceOptions(run.Data.Labels.Count > 0 ? run.Data.Labels : null, 0, features));
        }
        catch (DataFormatException) when (run.Data.Labels.Count > 0)
        {
            data = DataSource.Open(dataSource, new DataSourceOptions(null, 0, features));
        }

        try
        {
            foreach (var needed in setup.Graph.Models.SelectMany(m => m.Inputs).OfType<TensorRef.Feature>().Select(f => f.Name).Distinct())
            {
                var feature = data.Schema.Features.FirstOrDefault(f => f.Name == needed)
                              ?? throw new DataFormatException(dataSource, $"the run's models read feature '{needed}', which this data lacks. It has: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
                var expected = setup.Schema.Feature(needed);
                if (!feature.SampleShape.SequenceEqual(expected.SampleShape))
                    throw new DataFormatException(dataSource, $"feature '{needed}' has samples of shape [{string.Join(", ", feature.SampleShape)}] but the run was trained on [{string.Join(", ", expected.SampleShape)}].");
            }

            var targets = setup.Graph.Models.Select(m => (Model: m, Label: setup.Graph.TargetOf(m))).Where(t => t.Label is not null).ToList();
            if (targets.Count == 0) targets = setup.Graph.Models.TakeLast(1).Select(m => (m, (LabelInfo?)null)).ToList();
            var header = new List<string> { "index" };
            foreach (var (m, label) in targets)
            {
                var col = m.Name + "." + m.Built.OutputNames[0];
                header.Add(col);
                if (label?.Kind == LabelKind.Class) header.Add(col + ".probability");
            }

            var loader = new BatchLoader(data, new BatchLoaderOptions(256, Shuffle: false));
            setup.Plan.SetTraining(false);
            var tmp = outputCsv + ".tmp-" + Environment.ProcessId;
            long count = 0;
            using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false)))
            {
                writer.WriteLine(string.Join(',', header.Select(Csv)));
                foreach (var batch in loader.Epoch(0))
                {
                    using var b = batch;
                    using var scope = NewDisposeScope();
                    IReadOnlyDictionary<string, Tensor> outputs;
                    using (no_grad()) outputs = setup.Graph.Forward(b);
                    var columns = new List<string[]>();
                    foreach (var (m, label) in targets)
                    {
                        var t = outputs[m.Name + "." + m.Built.OutputNames[0]].to(CPU);
                        columns.AddRange(Decode(t, label));
                    }

                    for (int i = 0; i < b.Size; i++)
                    {
                        var row = new List<string> { b.Indices[i].ToString(CultureInfo.InvariantCulture) };
                        row.AddRange(columns.Select(c => c[i]));
                        writer.WriteLine(string.Join(',', row.Select(Csv)));
                    }

                    count += b.Size;
                }
            }

            File.Move(tmp, outputCsv, overwrite: true);
            return count;
        }
        finally
        {
            (data as IDisposable)?.Dispose();
        }
    }

    private static IEnumerable<string[]> Decode(Tensor output, LabelInfo? label)
    {
        switch (label?.Kind)
        {
            case LabelKind.Class:
                var probabilities = nn.functional.softmax(output, 1);
                var (top, index) = probabilities.max(1);
                var classes = index.data<long>().ToArray();
                yield return classes.Select(c => label.Classes![(int)c]).ToArray();
                yield return top.data<float>().ToArray().Select(p => p.ToString("0.####", CultureInfo.InvariantCulture)).ToArray();
                break;
            case LabelKind.MultiLabel:
                var flags = output.sigmoid().gt(0.5);
                var rows = new string[output.shape[0]];
                for (int i = 0; i < rows.Length; i++)
                {
                    var on = flags[i].data<bool>().ToArray();
                    rows[i] = string.Join(';', label.Classes!.Where((_, k) => on[k]));
                }

                yield return rows;
                break;
            default:
                var flat = output.reshape(output.shape[0], -1).to_type(ScalarType.Float32);
                var values = new string[output.shape[0]];
                for (int i = 0; i < values.Length; i++)
                    values[i] = string.Join(';', flat[i].data<float>().ToArray().Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
                yield return values;
                break;
        }
    }

    private static string Csv(string s) => s.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static RunFile LoadRunDirectory(string runDirectory)
    {
        var file = Path.Combine(runDirectory, ResolvedRunFile);
        if (!File.Exists(file)) throw new RunFileException(file, 0, "", $"'{runDirectory}' is not a run directory: it has no {ResolvedRunFile}.");
        return RunFileParser.Load(file, new[] { "logging.run_dir=" + Path.GetFullPath(runDirectory) });
    }

    private static IReadOnlyDictionary<string, double> EvaluateBest(Setup setup, string? best)
    {
        if (setup.Test is null) return new Dictionary<string, double>();
        if (best is not null) CheckpointFile.LoadWeights(best, setup.Plan);
        return Trainer.Evaluate(setup.Plan, setup.Test).ToDictionary(kv => "test." + kv.Key, kv => kv.Value);
    }

    private static long[] Shape(TensorRef r, Batch batch, IReadOnlyDictionary<string, Tensor> outputs) => r switch
    {
        TensorRef.Output o => outputs[o.Key].shape.Skip(1).ToArray(),
        _ => batch[r.Text].shape.Skip(1).ToArray(),
    };

    private sealed class Setup : IDisposable
    {
        public required RunGraph Graph { get; init; }

        public required TrainingPlan Plan { get; init; }

        public required DatasetSchema Schema { get; init; }

        public required BatchLoader Train { get; init; }

        public required long TrainingSamples { get; init; }

        public required Func<Batch> Sample { get; init; }

        public BatchLoader? Validation { get; init; }

        public BatchLoader? Test { get; init; }

        public List<IDisposable> Owned { get; } = new();

        public void Dispose()
        {
            foreach (var o in Owned) o.Dispose();
        }
    }

    private static Setup Prepare(RunFile run, bool dev, bool reuseSavedSplit, bool saveSplit)
    {
        var owned = new List<IDisposable>();
        try
        {
            var labels = run.Data.Labels;
            if (run.Data.Concat.Count > 0)
                throw new RunFileException(run.Path, 0, "data.concat", "appending sources is for runs with flows (tasks and flows sections), whose tasks each learn from the samples that carry their label.");
            IDataset data;
            try
            {
                data = DataSource.Open(run.Data.Source, new DataSourceOptions(labels, run.Data.Limit, run.Data.Features.Count > 0 ? run.Data.Features : null));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or Graft.Data.Catalog.DatasetNotFoundException)
            {
                throw new RunFileException(run.Path, 0, "data.source", e.Message);
            }

            if (data is IDisposable d) owned.Add(d);
            foreach (var name in labels.Keys)
                if (data.Schema.Labels.All(l => l.Name != name))
                    throw new RunFileException(run.Path, 0, "data.labels", $"the data has no label '{name}'. Its labels: {string.Join(", ", data.Schema.Labels.Select(l => l.Name))}; its features: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
            IDataset? testData = null;
            if (run.Data.Test is not null)
            {
                testData = DataSource.Open(run.Data.Test, new DataSourceOptions(labels, run.Data.Limit, run.Data.Features.Count > 0 ? run.Data.Features : null));
                if (testData is IDisposable t) owned.Add(t);
            }

            // The split: reuse a saved one when asked (or when resuming), else make one (and save it when training).
            var splitPath = Path.Combine(run.Logging.RunDirectory, "split.json");
            var splitOptions = run.Split.Options with { Test = testData is null ? run.Split.Options.Test : 0 };
            DatasetSplit split;
            if (run.Split.Reuse is not null) split = DatasetSplit.Load(run.Split.Reuse, data.Count);
            else if (reuseSavedSplit && File.Exists(splitPath)) split = DatasetSplit.Load(splitPath, data.Count);
            else split = DatasetSplit.Create(data, splitOptions);
            if (saveSplit) split.Save(splitPath);

            var normalization = Normalization(run, data, split);
            foreach (var (mean, std) in normalization.Values) { owned.Add(mean); owned.Add(std); }

            var trainIdx = dev ? split.Dev : split.Train;
            if (trainIdx.Count == 0) throw new RunFileException(run.Path, 0, "split", "the training part is empty; lower split.validation and split.test, or raise split.dev_size for --dev.");
            var valIdx = dev ? split.Validation.Take(Math.Max(1, split.Dev.Count / 4)).ToArray() : split.Validation.ToArray();
            var seed = run.Training.Seed;
            Batch Sample() => data.GetBatch(trainIdx.Take(Math.Min(trainIdx.Count, 8)).ToArray());
            RunGraph graph;
            using (var sample = Sample()) graph = RunGraph.Build(run, data.Schema, sample, normalization);
            owned.Add(graph);
            var plan = graph.ToPlan();
            CheckMonitor(run, run.Training.Monitor, "training.monitor", plan);
            foreach (var m in graph.Models.Where(m => m.Section.CheckpointMonitor is not null))
                CheckMonitor(run, m.Section.CheckpointMonitor!, $"models[{m.Index}].checkpoint.monitor", plan);

            var augment = run.Data.Augment.Select(a => Augmentation(run, data.Schema, a)).ToList();
            var train = new BatchLoader(data, new BatchLoaderOptions(run.BatchSize, Shuffle: true, Seed: seed, Augmentations: augment.Count > 0 ? augment : null), trainIdx);
            int evalBatch = Math.Max(run.BatchSize, 256);
            var validation = valIdx.Length > 0 ? new BatchLoader(data, new BatchLoaderOptions(evalBatch, Shuffle: false), valIdx) : null;
            BatchLoader? test = testData is not null
                ? new BatchLoader(testData, new BatchLoaderOptions(evalBatch, Shuffle: false))
                : split.Test.Count > 0 ? new BatchLoader(data, new BatchLoaderOptions(evalBatch, Shuffle: false), split.Test) : null;
            var setup = new Setup
            {
                Graph = graph, Plan = plan, Schema = data.Schema, Train = train, Validation = validation, Test = test,
                TrainingSamples = trainIdx.Count, Sample = Sample,
            };
            setup.Owned.AddRange(owned);
            return setup;
        }
        catch
        {
            foreach (var o in owned) o.Dispose();
            throw;
        }
    }

    private static void CheckMonitor(RunFile run, string monitor, string key, TrainingPlan plan)
    {
        var name = monitor[(monitor.IndexOf('.') + 1)..];
        var known = new[] { "loss" }.Concat(plan.Losses.Count > 1 ? plan.Losses.Select(l => "loss." + l.Name) : Array.Empty<string>()).Concat(plan.Metrics.Select(m => m.Name)).ToList();
        if (!known.Contains(name))
            throw new RunFileException(run.Path, 0, key,
                $"'{monitor}' names no metric of this run. It can monitor {string.Join(", ", known.Select(k => "validation." + k))} (or train.*).{YamlSection.Suggest(name, known)}");
    }

    private static Dictionary<string, (Tensor Mean, Tensor Std)> Normalization(RunFile run, IDataset data, DatasetSplit split)
    {
        var result = new Dictionary<string, (Tensor, Tensor)>();
        foreach (var name in run.Data.Normalize)
        {
            if (data.Schema.Features.All(f => f.Name != name))
                throw new RunFileException(run.Path, 0, "data.normalize", $"the data has no feature '{name}'. Its features: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
            if (data is not TensorDataset tensors)
                throw new RunFileException(run.Path, 0, "data.normalize", "normalisation needs in-memory data (CSV, NumPy, safetensors, IDX).");
            using var scope = NewDisposeScope();
            using var index = tensor(split.Train.ToArray());
            var x = tensors.Feature(name).index_select(0, index).to_type(ScalarType.Float32);
            var mean = x.mean(new long[] { 0 });
            var std = x.std(0).clamp_min(1e-6);
            result[name] = (mean.MoveToOuterDisposeScope(), std.MoveToOuterDisposeScope());
        }

        return result;
    }

    private static FeatureAugmentation Augmentation(RunFile run, DatasetSchema schema, AugmentSection a)
    {
        var feature = schema.Features.FirstOrDefault(f => f.Name == a.Feature)
                      ?? throw new RunFileException(run.Path, 0, "data.augment", $"the data has no feature '{a.Feature}'. Its features: {string.Join(", ", schema.Features.Select(f => f.Name))}.");
        if (feature.SampleShape.Length != 3)
            throw new RunFileException(run.Path, 0, "data.augment", $"'{a.Feature}' has samples of shape [{string.Join(", ", feature.SampleShape)}]; augmentation is for images [channels, height, width].");
        var steps = new List<IBatchAugmentation>();
        if (a.CropPadding > 0) steps.Add(new RandomCrop(((int)feature.SampleShape[1], (int)feature.SampleShape[2]), a.CropPadding));
        if (a.Flip > 0) steps.Add(new RandomHorizontalFlip(a.Flip));
        if (a.Noise > 0) steps.Add(new GaussianNoise(a.Noise));
        return new FeatureAugmentation(a.Feature, steps);
    }

    private static void AtomicWrite(string path, string text)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
