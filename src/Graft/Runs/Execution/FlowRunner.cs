using System.Globalization;
using System.Text;
using System.Text.Json;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Data.Sources;
using Graft.Data.Splits;
using Graft.Flows.Composition;
using Graft.Flows.Evaluation;
using Graft.Flows.Explanation;
using Graft.Flows.Synthetic;
using Graft.Flows.Tasks;
using Graft.Flows.Tuning;
using Graft.Models.Catalog;
using Graft.Runs.RunFiles;
using Graft.Training;
using Graft.Training.Checkpoints;
using Graft.Training.Logging.TensorBoard;
using Graft.Training.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Runs.Execution;

/// <summary>Data sources generated in memory, by name (<c>data.source: security-camera</c>; <c>data.limit</c> sets the count).</summary>
public static class SyntheticData
{
    /// <summary>The default number of generated samples.</summary>
    public const int DefaultCount = 4000;

    /// <summary>The names of the generated sources.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "security-camera" };

    /// <summary>Generates source <paramref name="name"/> with <paramref name="count"/> samples (0: the default).</summary>
    public static TensorDataset Open(string name, int count) => name switch
    {
        "security-camera" => SecurityCameraScenes.Generate(count > 0 ? count : DefaultCount, seed: 0),
        _ => throw new ArgumentException($"No synthetic data source '{name}'. Known: {string.Join(", ", Names)}."),
    };
}

/// <summary>The per-task evaluation of a flow run, with ground-truth and with predicted preconditions.</summary>
/// <param name="Split">The split evaluated (<c>test</c> or <c>validation</c>).</param>
/// <param name="GroundTruth">Preconditions from ground truth.</param>
/// <param name="Predictions">Preconditions from the decoded predictions.</param>
public sealed record FlowRunEvaluation(string Split, FlowEvaluation GroundTruth, FlowEvaluation Predictions);

/// <summary>A finished flow run opened for use from C#: its compiled flow (best weights, tuned thresholds), data and split.</summary>
public sealed class OpenedFlowRun : IDisposable
{
    private readonly IDisposable _owner;

    internal OpenedFlowRun(CompiledFlow flow, IDataset data, DatasetSplit split, IDisposable owner)
    {
        Flow = flow;
        Data = data;
        Split = split;
        _owner = owner;
    }

    /// <summary>The compiled flow with the checkpoint's weights and any tuned thresholds.</summary>
    public CompiledFlow Flow { get; }

    /// <summary>The run's data.</summary>
    public IDataset Data { get; }

    /// <summary>The run's split.</summary>
    public DatasetSplit Split { get; }

    /// <summary>Releases the flow and the data.</summary>
    public void Dispose() => _owner.Dispose();
}

/// <summary>
/// Runs the task flows of a run file (<c>encoders</c>, <c>tasks</c>, <c>flows</c>): the flow compiles to one module
/// trained by the <see cref="Trainer"/> on the flow's dataset view; afterwards the best checkpoint is evaluated per task
/// (<c>evaluation.csv/.md</c>, <c>evaluation-predicted.csv/.md</c>) and interpreted (<c>interpretations.md</c>).
/// <c>graft tune</c> writes <c>thresholds.json</c>, which evaluation, prediction and explanation then apply.
/// </summary>
public static class FlowRunner
{
    /// <summary>The metrics thresholds can be tuned for (<c>graft tune --metric</c>).</summary>
    public static IReadOnlyList<string> TunableMetrics => ThresholdTuningOptions.MetricNames;

    /// <summary>The file tuned thresholds are saved in, inside a run directory.</summary>
    public const string ThresholdsFile = ThresholdTuner.FileName;

    /// <summary>Makes the flow project of a run file's flow section; definition mistakes are reported with their line.</summary>
    public static FlowProject BuildProject(FlowSection section, string path)
    {
        var project = new FlowProject(section.Tasks.Select(t => t.Task).ToArray());
        foreach (var declaration in section.Flows)
        {
            var lines = declaration.Lines;
            try
            {
                project.AddFlow(declaration.Name, (f, x, o) =>
                {
                    foreach (var line in lines)
                    {
                        try
                        {
                            o = line.Expression.AddTo(f, x, o);
                        }
                        catch (FlowDefinitionException e)
                        {
                            throw new RunFileException(path, line.Line, line.Key, e.Message);
                        }
                    }

                    return o;
                });
            }
            catch (FlowDefinitionException e)
            {
                throw new RunFileException(path, lines.Count > 0 ? lines[0].Line : 0, "flows." + declaration.Name, e.Message);
            }
        }

        return project;
    }

    internal static RunReport Validate(RunFile run)
    {
        using var setup = Prepare(run, dev: false, reuseSavedSplit: false, saveSplit: false);
        var models = new List<ModelReport>();
        var encoders = run.Flow!.Encoders.Select(e => new ModelReport(e.Name, e.Builder, new[] { e.Input }, new[] { $"{e.Name} [{e.Size}]" },
            setup.Flow.Module.named_parameters().Where(p => p.name.StartsWith($"encoders.{e.Name}.", StringComparison.Ordinal)).Sum(p => p.parameter.numel()), true));
        models.AddRange(encoders);
        models.Add(new ModelReport("flow " + run.Flow.Root, "task flow", setup.Flow.Tasks.Select(t => t.Input.Name).Distinct().ToList(),
            setup.Flow.Tasks.Select(t => $"{t.Path} ({t.Task!.Kind}){(Gate(t) is { } g ? " | " + g : "")}").ToList(), setup.Flow.Module.parameters().Sum(p => p.numel()), true));
        return new RunReport(setup.TrainIndices.Count, models, setup.Plan.Losses.Select(l => $"{l.Name} (weight {l.Weight.ToString(CultureInfo.InvariantCulture)})").ToList(), setup.Plan.Metrics.Select(m => m.Name).ToList());
    }

    internal static RunResult Train(RunFile run, RunOptions options)
    {
        var dir = run.Logging.RunDirectory;
        var resume = options.Resume ? Path.Combine(dir, "checkpoints", "last.ckpt") : null;
        if (resume is not null && !File.Exists(resume))
            throw new RunFileException(run.Path, 0, "", $"cannot resume: {resume} does not exist (no epoch of this run finished).");
        using var setup = Prepare(run, options.Dev, reuseSavedSplit: options.Resume, saveSplit: true);
        Directory.CreateDirectory(dir);
        if (!options.Resume)
        {
            Atomic(Path.Combine(dir, RunExecutor.ResolvedRunFile), run.Yaml);
            // Thresholds tuned for an earlier run's weights do not belong to this one.
            File.Delete(Path.Combine(dir, ThresholdTuner.FileName));
        }

        if (!options.Resume && run.Pretrain.FromPool) PretrainFromPool(run, setup, options, dir);
        var lines = options.Progress == ProgressMode.Lines && options.Log is not null;
        var trainerOptions = run.Training with { Progress = lines ? ProgressMode.None : options.Progress };
        var callbacks = new List<Graft.Training.Callbacks.ITrainerCallback>();
        if (lines) callbacks.Add(new ConsoleProgress(ProgressMode.Lines, options.Log));
        var result = new Trainer(trainerOptions, callbacks).Fit(setup.Plan, setup.Train, setup.Validation, resume);
        if (result.BestCheckpoint is not null) CheckpointFile.LoadWeights(result.BestCheckpoint, setup.Plan);
        var test = new Dictionary<string, double>();
        var (name, indices) = setup.EvaluationPart();
        if (indices.Count > 0)
        {
            var loader = new BatchLoader(setup.View, new BatchLoaderOptions(256, Shuffle: false), indices);
            foreach (var (k, v) in Trainer.Evaluate(setup.Plan, loader)) test[name + "." + k] = v;
            var evaluation = EvaluateParts(setup, name, indices);
            var interpretations = FlowInterpreter.Interpret(setup.Flow, setup.Data, indices);
            var markdown = FlowInterpreter.ToMarkdown(interpretations);
            Atomic(Path.Combine(dir, "interpretations.md"), $"# Best and worst {name} samples per task (by per-sample loss)\n\n" + markdown);
            if (run.Logging.TensorBoard)
            {
                using var writer = new TensorBoardWriter(Path.Combine(dir, "tensorboard", "interpretation"));
                writer.AddText("interpretations", markdown, result.History.Count);
                writer.AddText("evaluation", evaluation.GroundTruth.ToMarkdown(), result.History.Count);
                FlowInterpreter.WriteImages(interpretations, setup.Flow, setup.Data, writer, result.History.Count);
            }
        }

        if (test.Count > 0 && name == "test") Atomic(Path.Combine(dir, "test.json"), JsonSerializer.Serialize(test, new JsonSerializerOptions { WriteIndented = true }));
        return new RunResult(dir, result, test);
    }

    /// <summary>
    /// Starts a flow from the pool: each encoder (the body its tasks share, with no labels of its own) is initialised by
    /// architecture and input similarity; when any was, the tasks' heads are fitted to it by linear probing — the flow's
    /// own masked loss (preconditions and missing labels included) trained on the heads alone, encoders frozen, for at
    /// most one epoch — so that the first epoch fine-tunes a body with meaningful heads. Everything stays within a tenth
    /// of the planned training time (or <c>pool.budget</c>; nothing with --dev) and is recorded in <c>pretraining.json</c>.
    /// </summary>
    private static void PretrainFromPool(RunFile run, FlowSetup setup, RunOptions options, string dir)
    {
        var encoders = setup.Flow.Encoders;
        if (encoders.Count == 0 || setup.TrainIndices.Count == 0) return;
        using var pool = run.Pretrain.Directory is { } d ? new Graft.Pool.PretrainingPool(d) : Graft.Pool.Pretraining.OpenDefaultPool();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var budget = options.Dev ? TimeSpan.Zero
            : TimeSpan.FromSeconds(run.Pretrain.BudgetSeconds ?? 0.1 * StepSeconds(setup) * setup.Train.BatchesPerEpoch * run.Training.Epochs);
        var record = new System.Text.Json.Nodes.JsonObject();
        bool transferred = false;
        using (var batch = setup.View.GetBatch(setup.TrainIndices.Take(5000).ToArray()))
        {
            foreach (var e in encoders)
            {
                var recorded = options.Reproduce?.GetValueOrDefault("encoders." + e.Name);
                var share = TimeSpan.FromTicks(Math.Max(0, (budget - watch.Elapsed).Ticks / 2));
                pool.GetPretrainedModel(e.Module, batch.Features[e.Feature], out var report,
                    new Graft.Pool.PretrainOptions { Budget = options.Reproduce is null ? share : null, Candidates = options.Reproduce is null ? null : recorded?.Consulted ?? [] });
                options.Log?.WriteLine($"pretraining encoder {e.Name}: {report.Summary} ({report.Elapsed.TotalSeconds:0.0} s)");
                record["encoders." + e.Name] = RunExecutor.Record(report, share);
                transferred |= report.Chosen != Graft.Pool.Transfer.TransferReport.Fresh;
            }
        }

        if (transferred)
        {
            int? pinned = options.Reproduce is { } reproduce ? reproduce.GetValueOrDefault("heads")?.DistillationSteps ?? 0 : null;
            var (steps, first, last) = ProbeHeads(setup, run, pinned, budget - watch.Elapsed);
            options.Log?.WriteLine($"pretraining heads: {steps} step(s) of linear probing on the frozen encoders, loss {first:0.0000} -> {last:0.0000}");
            record["heads"] = new System.Text.Json.Nodes.JsonObject { ["steps"] = steps, ["loss_first"] = first, ["loss_last"] = last };
        }

        Atomic(Path.Combine(dir, RunExecutor.PretrainingRecord), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Trains every parameter outside the encoders on the flow's loss for at most one epoch, <paramref name="pinned"/> steps, or the time left.</summary>
    private static (int Steps, double FirstLoss, double LastLoss) ProbeHeads(FlowSetup setup, RunFile run, int? pinned, TimeSpan left)
    {
        var frozen = setup.Flow.Encoders.SelectMany(e => e.Module.parameters()).ToList();
        var frozenSet = frozen.ToHashSet(ReferenceEqualityComparer.Instance);
        var heads = setup.Flow.Module.parameters().Where(p => !frozenSet.Contains(p)).ToList();
        if (heads.Count == 0) return (0, double.NaN, double.NaN);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var losses = new List<double>();
        foreach (var p in frozen) p.requires_grad_(false);
        try
        {
            setup.Plan.SetTraining(true);
            foreach (var e in setup.Flow.Encoders) e.Module.eval();   // the body's batch-norm statistics and dropout stay put
            using var optimizer = optim.Adam(heads, lr: run.Training.Optimizer?.LearningRate ?? 1e-3);
            foreach (var batch in setup.Train.Epoch(0))
            {
                using var b = batch;
                if (pinned is { } n ? losses.Count >= n : watch.Elapsed >= left) break;
                using var scope = NewDisposeScope();
                var outputs = setup.Plan.Forward(b);
                var total = setup.Plan.Losses.Select(l => l.Compute(outputs, b) * l.Weight).Aggregate((a, c) => a + c);
                optimizer.zero_grad();
                total.backward();
                optimizer.step();
                losses.Add(total.item<float>());
            }
        }
        finally
        {
            foreach (var p in frozen) p.requires_grad_(true);
            setup.Plan.SetTraining(false);
        }

        int k = Math.Max(1, Math.Min(10, losses.Count / 2));
        return losses.Count == 0 ? (0, double.NaN, double.NaN) : (losses.Count, losses.Take(k).Average(), losses.TakeLast(k).Average());
    }

    /// <summary>Seconds of one training step of the flow, measured once on a batch (parameters untouched).</summary>
    private static double StepSeconds(FlowSetup setup)
    {
        using var batch = setup.Train.Epoch(0).First();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            setup.Plan.SetTraining(false);
            var outputs = setup.Plan.Forward(batch);
            setup.Plan.Losses.Select(l => l.Compute(outputs, batch) * l.Weight).Aggregate((a, c) => a + c).backward();
        }

        foreach (var p in setup.Flow.Module.parameters()) p.grad?.zero_();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Opens a finished flow run for prediction from C#: <c>run.Flow.Predict(batch)</c>; tuned thresholds apply.</summary>
    /// <example>
    /// <code>
    /// using var run = FlowRunner.Open("runs/security-camera");
    /// using var batch = run.Data.GetBatch(new long[] { 0, 1 });
    /// var predictions = run.Flow.Predict(batch);
    /// </code>
    /// </example>
    public static OpenedFlowRun Open(string runDirectory, string checkpoint = "best")
    {
        var setup = Load(runDirectory, checkpoint);
        return new OpenedFlowRun(setup.Flow, setup.Data, setup.Split, setup);
    }

    /// <summary>Evaluates a finished flow run per task on its test data (validation when there is none).</summary>
    public static FlowRunEvaluation Evaluate(string runDirectory, string checkpoint = "best")
    {
        using var setup = Load(runDirectory, checkpoint);
        var (name, indices) = setup.EvaluationPart();
        return EvaluateParts(setup, name, indices);
    }

    /// <summary>
    /// Tunes the thresholds of the binary and multi-label tasks of a finished flow run on its validation data
    /// (precondition-filtered) and saves them as <c>thresholds.json</c> in the run directory.
    /// </summary>
    /// <returns>The thresholds by task path, with the metric before and after tuning.</returns>
    public static IReadOnlyList<(string Task, double[] Thresholds, double Before, double After)> Tune(string runDirectory, string metric = "f1", string checkpoint = "best")
    {
        using var setup = Load(runDirectory, checkpoint, applyThresholds: false);
        var indices = setup.Split.Validation.Count > 0 ? setup.Split.Validation : setup.Split.Train;
        var options = new ThresholdTuningOptions(metric);
        options.Validate();
        var before = FlowEvaluator.Evaluate(setup.Flow, setup.Data, indices);
        var thresholds = ThresholdTuner.Tune(setup.Flow, setup.Data, indices, options);
        var after = FlowEvaluator.Evaluate(setup.Flow, setup.Data, indices);
        ThresholdTuner.Save(Path.Combine(runDirectory, ThresholdTuner.FileName), thresholds);
        string rowMetric = metric == "f1" ? "f1" : metric;
        double Value(FlowEvaluation e, string task) => e.Rows.FirstOrDefault(r => r.TaskPath == task && r.Metric == rowMetric)?.Value ?? double.NaN;
        return thresholds.Select(t => (t.Key, t.Value, Value(before, t.Key), Value(after, t.Key))).ToList();
    }

    /// <summary>Tree explanations of samples of a finished flow run (by dataset index; by default the first test samples).</summary>
    public static IReadOnlyList<ExplanationNode> Explain(string runDirectory, IReadOnlyList<long>? samples = null, int count = 3, string checkpoint = "best")
    {
        using var setup = Load(runDirectory, checkpoint);
        var indices = samples is { Count: > 0 } ? samples : setup.EvaluationPart().Indices.Take(count).ToList();
        foreach (var i in indices)
            if (i < 0 || i >= setup.Data.Count) throw new ArgumentException($"Sample {i} is outside the data (0..{setup.Data.Count - 1}).");
        using var batch = setup.Data.GetBatch(indices.ToArray());
        return FlowExplainer.Explain(setup.Flow, batch);
    }

    /// <summary>
    /// Writes decoded predictions of a finished flow run for <paramref name="dataSource"/> to CSV: one column per task,
    /// empty where the task's preconditions do not hold according to the predictions; tuned thresholds apply.
    /// </summary>
    public static long Predict(string runDirectory, string dataSource, string outputCsv, string checkpoint = "best")
    {
        using var setup = Load(runDirectory, checkpoint);
        IDataset data = SyntheticData.Names.Contains(dataSource) ? SyntheticData.Open(dataSource, 0)
            : DataSource.Open(dataSource, new DataSourceOptions(null, 0, setup.Flow.Features));
        try
        {
            var header = new[] { "index" }.Concat(setup.Flow.Tasks.Select(t => t.Path));
            var tmp = outputCsv + ".tmp-" + Environment.ProcessId;
            long count = 0;
            setup.Flow.Module.eval();
            using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false)))
            {
                writer.WriteLine(string.Join(',', header));
                foreach (var batch in new BatchLoader(data, new BatchLoaderOptions(256, Shuffle: false)).Epoch(0))
                {
                    using var b = batch;
                    using var scope = NewDisposeScope();
                    var predictions = setup.Flow.Predict(b);
                    var columns = setup.Flow.Tasks.Select(t => Decoded(t.Task!, predictions[t.Path])).ToList();
                    for (int i = 0; i < b.Size; i++)
                        writer.WriteLine(string.Join(',', new[] { b.Indices[i].ToString(CultureInfo.InvariantCulture) }.Concat(columns.Select(c => c[i]))));
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

    /// <summary>Whether <paramref name="runDirectory"/> holds a flow run.</summary>
    public static bool IsFlowRun(string runDirectory)
    {
        var file = Path.Combine(runDirectory, RunExecutor.ResolvedRunFile);
        return File.Exists(file) && RunFileParser.Load(file, new[] { "logging.run_dir=" + Path.GetFullPath(runDirectory) }).Flow is not null;
    }

    private static string[] Decoded(ITask task, TaskPrediction prediction)
    {
        var decoded = prediction.Decoded;
        var shown = prediction.Applies.data<bool>().ToArray();
        var rows = new string[shown.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            if (!shown[i]) { rows[i] = ""; continue; }
            var d = decoded[i];
            rows[i] = task switch
            {
                ClassificationTask c => c.ClassNames?[(int)d[0].item<long>()] ?? d[0].item<long>().ToString(CultureInfo.InvariantCulture),
                MultiLabelTask m => string.Join(';', d.data<bool>().ToArray().Select((on, k) => on ? (m.FlagNames?[k] ?? k.ToString(CultureInfo.InvariantCulture)) : null).OfType<string>()),
                _ when d.dtype == ScalarType.Bool => d.flatten()[0].item<bool>() ? "1" : "0",
                _ => string.Join(';', d.flatten().to_type(ScalarType.Float32).data<float>().ToArray().Select(v => v.ToString("G6", CultureInfo.InvariantCulture))),
            };
        }

        return rows;
    }

    private static FlowRunEvaluation EvaluateParts(FlowSetup setup, string name, IReadOnlyList<long> indices)
    {
        var gt = FlowEvaluator.Evaluate(setup.Flow, setup.Data, indices, PreconditionSource.GroundTruth);
        var predicted = FlowEvaluator.Evaluate(setup.Flow, setup.Data, indices, PreconditionSource.Predictions);
        gt.Save(setup.RunDirectory, "evaluation");
        predicted.Save(setup.RunDirectory, "evaluation-predicted");
        return new FlowRunEvaluation(name, gt, predicted);
    }

    private static string? Gate(FlowNode node)
    {
        var parts = new List<string>();
        for (var n = node; n is not null; n = n.Parent)
            if (n.Precondition is { } c) parts.Insert(0, c.ToString());
        return parts.Count == 0 ? null : string.Join(" & ", parts);
    }

    private static FlowSetup Load(string runDirectory, string checkpoint, bool applyThresholds = true)
    {
        var file = Path.Combine(runDirectory, RunExecutor.ResolvedRunFile);
        if (!File.Exists(file)) throw new RunFileException(file, 0, "", $"'{runDirectory}' is not a run directory: it has no {RunExecutor.ResolvedRunFile}.");
        var run = RunFileParser.Load(file, new[] { "logging.run_dir=" + Path.GetFullPath(runDirectory) });
        if (run.Flow is null) throw new RunFileException(file, 0, "flows", "this run has no task flows (flows, tasks).");
        var setup = Prepare(run, dev: false, reuseSavedSplit: true, saveSplit: false);
        try
        {
            CheckpointFile.LoadWeights(Path.Combine(runDirectory, "checkpoints", checkpoint + ".ckpt"), setup.Plan);
            var thresholds = Path.Combine(runDirectory, ThresholdTuner.FileName);
            if (applyThresholds && File.Exists(thresholds)) ThresholdTuner.Load(thresholds, setup.Flow);
            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }

    private static FlowSetup Prepare(RunFile run, bool dev, bool reuseSavedSplit, bool saveSplit)
    {
        var section = run.Flow!;
        var owned = new List<IDisposable>();
        try
        {
            var parts = new[] { run.Data.Source }.Concat(run.Data.Concat).Select(source => OpenSource(run, section, source)).ToList();
            IDataset data;
            if (parts.Count == 1)
            {
                data = parts[0];
            }
            else
            {
                var tensors = parts.Select((p, i) => p as TensorDataset ?? throw new RunFileException(run.Path, 0, "data.concat", $"'{(i == 0 ? run.Data.Source : run.Data.Concat[i - 1])}' is read lazily; appending needs in-memory data (CSV, NumPy, safetensors, IDX).")).ToArray();
                try
                {
                    data = DatasetConcatenation.Concatenate(tensors);
                }
                catch (ArgumentException e)
                {
                    throw new RunFileException(run.Path, 0, "data.concat", e.Message);
                }
                finally
                {
                    foreach (var p in tensors) p.Dispose();
                }
            }

            if (data is IDisposable d) owned.Add(d);
            foreach (var t in section.Tasks)
                if (data.Schema.Labels.All(l => l.Name != t.Task.Label))
                    throw new RunFileException(run.Path, t.Line, "tasks." + t.Task.Name,
                        $"the data has no label '{t.Task.Label}'. Its labels: {string.Join(", ", data.Schema.Labels.Select(l => l.Name))}.{YamlSection.Suggest(t.Task.Label, data.Schema.Labels.Select(l => l.Name))}");

            var splitPath = Path.Combine(run.Logging.RunDirectory, "split.json");
            DatasetSplit split;
            if (run.Split.Reuse is not null) split = DatasetSplit.Load(run.Split.Reuse, data.Count);
            else if (reuseSavedSplit && File.Exists(splitPath)) split = DatasetSplit.Load(splitPath, data.Count);
            else split = DatasetSplit.Create(data, run.Split.Options);
            if (saveSplit)
            {
                Directory.CreateDirectory(run.Logging.RunDirectory);
                split.Save(splitPath);
            }

            var encoders = new List<FlowEncoder>();
            for (int i = 0; i < section.Encoders.Count; i++)
            {
                var e = section.Encoders[i];
                var feature = data.Schema.Features.FirstOrDefault(f => f.Name == e.Input)
                              ?? throw new RunFileException(run.Path, e.Line, $"encoders[{i}].input", $"the data has no feature '{e.Input}'. Its features: {string.Join(", ", data.Schema.Features.Select(f => f.Name))}.");
                manual_seed(run.Training.Seed + i);
                try
                {
                    encoders.Add(new FlowEncoder(e.Name, e.Input, ModelCatalog.CreateModule(e.Builder, e.Args, new ModelShapes(new[] { feature.SampleShape }, e.Size))));
                }
                catch (Exception ex) when (ex is ModelArgumentException or ArgumentException or InvalidOperationException)
                {
                    throw new RunFileException(run.Path, e.Line, $"encoders[{i}]", $"encoder '{e.Name}': {ex.Message}");
                }
            }

            manual_seed(run.Training.Seed + 1000);
            var root = BuildProject(section, run.Path).Build(section.Root);
            CompiledFlow flow;
            try
            {
                flow = FlowCompiler.Compile(root, encoders, data.Schema);
            }
            catch (FlowDefinitionException e)
            {
                throw new RunFileException(run.Path, 0, "flows", e.Message);
            }

            owned.Add(flow);
            var weights = section.Tasks.ToDictionary(t => t.Task.Name, t => t.Weight);
            var plan = flow.ToPlan(new TaskWeighting(section.Weighting, weights));
            var name = run.Training.Monitor[(run.Training.Monitor.IndexOf('.') + 1)..];
            var known = new[] { "loss" }.Concat(plan.Losses.Select(l => "loss." + l.Name)).Concat(plan.Metrics.Select(m => m.Name)).ToList();
            if (!known.Contains(name))
                throw new RunFileException(run.Path, 0, "training.monitor", $"'{run.Training.Monitor}' names no metric of this flow. It can monitor validation.loss, validation.<task path>.<metric> (e.g. validation.{plan.Metrics.FirstOrDefault()?.Name ?? "loss"}) or train.*.{YamlSection.Suggest(name, known)}");

            var view = flow.View(data);
            var trainIdx = dev ? split.Dev : split.Train;
            if (trainIdx.Count == 0) throw new RunFileException(run.Path, 0, "split", "the training part is empty; lower split.validation and split.test, or raise split.dev_size for --dev.");
            var valIdx = dev ? split.Validation.Take(Math.Max(1, split.Dev.Count / 4)).ToArray() : split.Validation.ToArray();
            int evalBatch = Math.Max(run.BatchSize, 256);
            var setup = new FlowSetup
            {
                Data = data, Split = split, Flow = flow, Plan = plan, View = view, RunDirectory = run.Logging.RunDirectory, TrainIndices = trainIdx,
                Train = new BatchLoader(view, new BatchLoaderOptions(run.BatchSize, Shuffle: true, Seed: run.Training.Seed), trainIdx),
                Validation = valIdx.Length > 0 ? new BatchLoader(view, new BatchLoaderOptions(evalBatch, Shuffle: false), valIdx) : null,
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

    /// <summary>
    /// Opens one source of a flow run. Its labels are the tasks' labels it holds (a source may carry only some of them);
    /// with <c>data.labels</c> given, those.
    /// </summary>
    private static IDataset OpenSource(RunFile run, FlowSection section, string source)
    {
        if (SyntheticData.Names.Contains(source)) return SyntheticData.Open(source, run.Data.Limit);
        var features = run.Data.Features.Count > 0 ? run.Data.Features : null;
        try
        {
            IReadOnlyDictionary<string, LabelKind?> labels;
            if (run.Data.Labels.Count > 0)
            {
                labels = run.Data.Labels;
            }
            else
            {
                // Which tensors (or columns) the source has: open it once as it is, then again naming the tasks' labels it holds.
                var probe = DataSource.Open(source, new DataSourceOptions(null, 1, null));
                var names = probe.Schema.Features.SelectMany(f => new[] { f.Name }.Concat(f.ColumnNames ?? Array.Empty<string>())).Concat(probe.Schema.Labels.Select(l => l.Name)).ToHashSet();
                (probe as IDisposable)?.Dispose();
                labels = section.Tasks.Select(t => t.Task.Label).Distinct().Where(names.Contains).ToDictionary(l => l, _ => (LabelKind?)null);
            }

            return DataSource.Open(source, new DataSourceOptions(labels, run.Data.Limit, features));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or Graft.Data.Catalog.DatasetNotFoundException)
        {
            throw new RunFileException(run.Path, 0, "data.source", e.Message);
        }
    }

    private static void Atomic(string path, string text)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    private sealed class FlowSetup : IDisposable
    {
        public required IDataset Data { get; init; }

        public required DatasetSplit Split { get; init; }

        public required CompiledFlow Flow { get; init; }

        public required TrainingPlan Plan { get; init; }

        public required FlowDatasetView View { get; init; }

        public required string RunDirectory { get; init; }

        public required IReadOnlyList<long> TrainIndices { get; init; }

        public required BatchLoader Train { get; init; }

        public BatchLoader? Validation { get; init; }

        public List<IDisposable> Owned { get; } = new();

        public (string Name, IReadOnlyList<long> Indices) EvaluationPart() =>
            Split.Test.Count > 0 ? ("test", Split.Test) : ("validation", Split.Validation);

        public void Dispose()
        {
            foreach (var o in Owned) o.Dispose();
        }
    }
}
