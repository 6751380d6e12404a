using Graft.Data;
using Graft.Data.Batching;
using Graft.Data.Sources;
using Graft.Data.Splits;
using Graft.Models.Catalog;
using Graft.Runs.RunFiles;
using Graft.Training;
using Graft.Training.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Runs.Execution;

/// <summary>How <see cref="RunExecutor.Train"/> runs a run file.</summary>
/// <param name="Dev">Train and validate on the small dev subset (quick debugging on a laptop CPU).</param>
/// <param name="Resume">Continue from the run directory's <c>checkpoints/last.ckpt</c>.</param>
/// <param name="Progress">How progress is shown.</param>
/// <param name="Log">Where plain progress lines go when <paramref name="Progress"/> is <see cref="ProgressMode.Lines"/> (standard output when null).</param>
public sealed record RunOptions(bool Dev = false, bool Resume = false, ProgressMode Progress = ProgressMode.Auto, TextWriter? Log = null);

/// <summary>The outcome of a run: every epoch, and the test metrics of the best checkpoint.</summary>
/// <param name="RunDirectory">Where everything was written.</param>
/// <param name="Training">The trainer's result.</param>
/// <param name="Test">Metrics on the test data, by name (empty when there is no test data).</param>
public sealed record RunResult(string RunDirectory, TrainingResult Training, IReadOnlyDictionary<string, double> Test);

/// <summary>
/// Runs a run file: opens the data, makes or reuses the split (saved as <c>split.json</c>), builds the model from the
/// catalog, trains with the <see cref="Trainer"/> and evaluates the best checkpoint on the test data. The run
/// directory receives the resolved run file (<c>run.yaml</c>), the split, checkpoints, TensorBoard events,
/// <c>metrics.json</c>, <c>curves.png</c> and <c>test.json</c>.
/// </summary>
public static class RunExecutor
{
    /// <summary>The resolved run file's name inside a run directory.</summary>
    public const string ResolvedRunFile = "run.yaml";

    /// <summary>Trains as <paramref name="run"/> says.</summary>
    public static RunResult Train(RunFile run, RunOptions? options = null)
    {
        options ??= new RunOptions();
        var dir = run.Logging.RunDirectory;
        Directory.CreateDirectory(dir);
        var resume = options.Resume ? Path.Combine(dir, "checkpoints", "last.ckpt") : null;
        if (resume is not null && !File.Exists(resume))
            throw new RunFileException(run.Path, 0, "", $"cannot resume: {resume} does not exist (no epoch of this run finished).");
        if (!options.Resume) AtomicWrite(Path.Combine(dir, ResolvedRunFile), run.Yaml);

        using var setup = Prepare(run, options.Dev, reuseSavedSplit: options.Resume);
        var lines = options.Progress == ProgressMode.Lines && options.Log is not null;
        var trainerOptions = run.Training with { Progress = lines ? ProgressMode.None : options.Progress };
        var trainer = new Trainer(trainerOptions, lines ? new[] { new Graft.Training.Reports.ConsoleProgress(ProgressMode.Lines, options.Log) } : null);
        var result = trainer.Fit(setup.Plan, setup.Train, setup.Validation, resume);
        var test = EvaluateBest(setup, result.BestCheckpoint);
        if (test.Count > 0) AtomicWrite(Path.Combine(dir, "test.json"), System.Text.Json.JsonSerializer.Serialize(test, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return new RunResult(dir, result, test);
    }

    /// <summary>Evaluates a finished run directory's checkpoint (best by default) on its validation and test data.</summary>
    public static IReadOnlyDictionary<string, double> Evaluate(string runDirectory, string checkpoint = "best")
    {
        var file = Path.Combine(runDirectory, ResolvedRunFile);
        if (!File.Exists(file)) throw new RunFileException(file, 0, "", $"'{runDirectory}' is not a run directory: it has no {ResolvedRunFile}.");
        var run = RunFileParser.Load(file, new[] { "logging.run_dir=" + Path.GetFullPath(runDirectory) });
        var path = Path.Combine(runDirectory, "checkpoints", checkpoint + ".ckpt");
        using var setup = Prepare(run, dev: false, reuseSavedSplit: true);
        Graft.Training.Checkpoints.CheckpointFile.LoadWeights(path, setup.Plan);
        var result = new Dictionary<string, double>();
        if (setup.Validation is not null)
            foreach (var (k, v) in Trainer.Evaluate(setup.Plan, setup.Validation)) result["validation." + k] = v;
        if (setup.Test is not null)
            foreach (var (k, v) in Trainer.Evaluate(setup.Plan, setup.Test)) result["test." + k] = v;
        return result;
    }

    private static IReadOnlyDictionary<string, double> EvaluateBest(Setup setup, string? best)
    {
        if (setup.Test is null) return new Dictionary<string, double>();
        if (best is not null) Graft.Training.Checkpoints.CheckpointFile.LoadWeights(best, setup.Plan);
        return Trainer.Evaluate(setup.Plan, setup.Test).ToDictionary(kv => "test." + kv.Key, kv => kv.Value);
    }

    private sealed class Setup : IDisposable
    {
        public required TrainingPlan Plan { get; init; }

        public required BatchLoader Train { get; init; }

        public BatchLoader? Validation { get; init; }

        public BatchLoader? Test { get; init; }

        public List<IDisposable> Owned { get; } = new();

        public void Dispose()
        {
            foreach (var o in Owned) o.Dispose();
        }
    }

    private static Setup Prepare(RunFile run, bool dev, bool reuseSavedSplit)
    {
        if (run.Models.Count != 1)
            throw new RunFileException(run.Path, run.Models[1].Line, "models", "this version of Graft trains one model per run file; remove the other entries.");
        var model = run.Models[0];
        var sourceOptions = new DataSourceOptions(run.Data.Labels, run.Data.Limit);
        var data = DataSource.Open(run.Data.Source, sourceOptions);
        var owned = new List<IDisposable>();
        if (data is IDisposable d) owned.Add(d);
        IDataset? testData = null;
        if (run.Data.Test is not null)
        {
            testData = DataSource.Open(run.Data.Test, sourceOptions);
            if (testData is IDisposable t) owned.Add(t);
        }

        // The split: reuse a saved one when asked (or when resuming), else make and save a new one.
        var splitPath = Path.Combine(run.Logging.RunDirectory, "split.json");
        var splitOptions = run.Split.Options with { Test = testData is null ? run.Split.Options.Test : 0 };
        DatasetSplit split;
        if (run.Split.Reuse is not null) split = DatasetSplit.Load(run.Split.Reuse, data.Count);
        else if (reuseSavedSplit && File.Exists(splitPath)) split = DatasetSplit.Load(splitPath, data.Count);
        else split = DatasetSplit.Create(data, splitOptions);
        split.Save(splitPath);

        // The model's input and label.
        if (model.Inputs.Count != 1)
            throw new RunFileException(run.Path, model.Line, "models[0].inputs", $"name exactly one input feature; the data has: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
        var input = data.Schema.Features.FirstOrDefault(f => f.Name == model.Inputs[0])
                    ?? throw new RunFileException(run.Path, model.Line, "models[0].inputs", $"the data has no feature '{model.Inputs[0]}'. Its features are: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
        var labelName = model.Losses.SelectMany(l => l.Inputs).FirstOrDefault(n => data.Schema.Labels.Any(l => l.Name == n))
                        ?? data.Schema.Labels.FirstOrDefault()?.Name
                        ?? throw new RunFileException(run.Path, 0, "data.labels", "the data has no label to train on; name one under data.labels.");
        var label = data.Schema.Label(labelName);
        long outputs = label.Kind == LabelKind.Value ? Math.Max(1, label.SampleShape.Aggregate(1L, (a, b) => a * b)) : label.ClassCount ?? 1;
        manual_seed(run.Training.Seed);
        nn.Module<Tensor, Tensor> module;
        try
        {
            module = ModelCatalog.CreateModule(model.Builder, model.Args, new ModelShapes(input.SampleShape, outputs));
        }
        catch (ModelArgumentException e)
        {
            throw new RunFileException(run.Path, model.Line, "models[0]", e.Message);
        }

        var plan = SupervisedPlan.Create(module, input.Name, label, moduleName: model.Name);
        foreach (var metric in model.Metrics)
        {
            if (plan.Metrics.Any(m => m.Name == metric.Name)) continue;
            try
            {
                _ = MetricCatalog.Create(metric.Name);
            }
            catch (ArgumentException e)
            {
                throw new RunFileException(run.Path, model.Line, "models[0].metrics", e.Message);
            }

            plan.AddMetric(metric.Name, () => MetricCatalog.Create(metric.Name), SupervisedPlan.Output, label.Name);
        }

        var trainIdx = dev ? split.Dev : split.Train;
        var valIdx = dev ? split.Validation.Take(Math.Max(1, split.Dev.Count / 4)).ToArray() : split.Validation.ToArray();
        var seed = run.Training.Seed;
        var train = new BatchLoader(data, new BatchLoaderOptions(run.BatchSize, Shuffle: true, Seed: seed), trainIdx);
        var validation = valIdx.Length > 0 ? new BatchLoader(data, new BatchLoaderOptions(Math.Max(run.BatchSize, 256), Shuffle: false), valIdx) : null;
        BatchLoader? test = testData is not null
            ? new BatchLoader(testData, new BatchLoaderOptions(Math.Max(run.BatchSize, 256), Shuffle: false))
            : split.Test.Count > 0 ? new BatchLoader(data, new BatchLoaderOptions(Math.Max(run.BatchSize, 256), Shuffle: false), split.Test) : null;
        var setup = new Setup { Plan = plan, Train = train, Validation = validation, Test = test };
        setup.Owned.AddRange(owned);
        setup.Owned.Add(module);
        return setup;
    }

    private static void AtomicWrite(string path, string text)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
