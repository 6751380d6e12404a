using System.Diagnostics;
using Graft.Data;
using Graft.Data.Batching;
using Graft.Data.Splits;
using Graft.Training.Callbacks;
using Graft.Training.Checkpoints;
using Graft.Training.Metrics;
using Graft.Training.Optimizers;
using Graft.Training.Reports;
using Graft.Training.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using OptimizerOptions = Graft.Training.Optimizers.OptimizerOptions;
using static TorchSharp.torch;

namespace Graft.Training;

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
/// <param name="History">Every epoch's metrics.</param>
/// <param name="BestMonitored">The best value of the monitored metric.</param>
/// <param name="StoppedEarly">Whether early stopping ended training before the last epoch.</param>
/// <param name="BestCheckpoint">The path of <c>best.ckpt</c>, when checkpoints were written.</param>
/// <param name="LastCheckpoint">The path of <c>last.ckpt</c>, when checkpoints were written.</param>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, double? BestMonitored, bool StoppedEarly, string? BestCheckpoint, string? LastCheckpoint)
{
    /// <summary>The last epoch's metrics.</summary>
    public IReadOnlyDictionary<string, double> Final => History.Count == 0 ? new Dictionary<string, double>() : History[^1].Metrics;
}

/// <summary>
/// The training loop: batches of named tensors through a <see cref="TrainingPlan"/>, weighted losses summed into one
/// backward pass, per-group optimizer settings, schedules whose state Graft saves, gradient clipping, a NaN/Inf guard,
/// early stopping, atomic checkpoints with exact resume, TensorBoard events, <c>metrics.json</c>, curves and progress.
/// Same seed, same threads, same machine: same result.
/// </summary>
/// <example>
/// <code>
/// var trainer = new Trainer(new TrainerOptions(Epochs: 3, RunDirectory: "runs/cnn"));
/// var result = trainer.Fit(plan, trainLoader, validationLoader);
/// Console.WriteLine(result.Final["validation.accuracy"]);
/// </code>
/// </example>
public sealed class Trainer
{
    private readonly List<ITrainerCallback> _callbacks;

    /// <summary>Creates a trainer; <paramref name="callbacks"/> are added to the built-in ones the options ask for.</summary>
    public Trainer(TrainerOptions? options = null, IEnumerable<ITrainerCallback>? callbacks = null)
    {
        Options = options ?? new TrainerOptions();
        Options.Validate();
        _callbacks = callbacks?.ToList() ?? new List<ITrainerCallback>();
    }

    /// <summary>The trainer's settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// Trains <paramref name="plan"/> on <paramref name="train"/>, validating on <paramref name="validation"/> after each
    /// epoch. With <paramref name="resumeFrom"/> (a checkpoint file), training continues where it stopped: the losses
    /// equal those of an uninterrupted run.
    /// </summary>
    public TrainingResult Fit(TrainingPlan plan, BatchLoader train, BatchLoader? validation = null, string? resumeFrom = null)
    {
        if (Options.EarlyStopping is not null && validation is null && Options.Monitor.StartsWith("validation.", StringComparison.Ordinal))
            throw new ArgumentException($"Early stopping monitors '{Options.Monitor}' but no validation data was given: pass a validation loader or monitor a 'train.' metric.");
        AllocatorTuning.Ensure();
        if (Options.Threads > 0) set_num_threads(Options.Threads);
        var groups = plan.ResolveParameterGroups();
        var optimizerOptions = Options.Optimizer ?? new OptimizerOptions();
        using var optimizer = optimizerOptions.Create(groups);
        var baseRates = groups.Select(g => g.LearningRate ?? optimizerOptions.LearningRate).ToArray();
        var schedule = (Options.Schedule ?? new ScheduleOptions()).Create(train.BatchesPerEpoch, Options.Epochs);
        var allParameters = groups.SelectMany(g => g.Parameters).ToArray();
        var monitorHigher = plan.HigherIsBetter(Options.Monitor);

        string? lastPath = null, bestPath = null;
        if (Options.RunDirectory is not null && Options.Checkpoints)
        {
            var dir = Path.Combine(Options.RunDirectory, "checkpoints");
            lastPath = Path.Combine(dir, "last.ckpt");
            bestPath = Path.Combine(dir, "best.ckpt");
        }

        int startEpoch = 0;
        long globalStep = 0;
        double? best = null;
        int sinceImprovement = 0;
        var context = new TrainingContext(Options.Epochs, train.BatchesPerEpoch, 0, Options.RunDirectory);
        // The last checkpoint known to be good for this run: the one resumed from, then each one written. A checkpoint
        // left in the run directory by an earlier run is never reported.
        string? lastGood = null;
        if (resumeFrom is not null)
        {
            lastGood = resumeFrom;
            var state = CheckpointFile.Read(resumeFrom, plan, optimizer);
            if (state.Seed != Options.Seed)
                Console.Error.WriteLine($"warning: resuming {resumeFrom} (seed {state.Seed}) with seed {Options.Seed}: batches will differ from the original run.");
            schedule.LoadState(state.Schedule);
            startEpoch = state.EpochsCompleted;
            globalStep = state.GlobalStep;
            best = state.BestMonitored;
            sinceImprovement = state.EpochsWithoutImprovement;
            context = new TrainingContext(Options.Epochs, train.BatchesPerEpoch, startEpoch, Options.RunDirectory);
            context.History.AddRange(state.History);
        }

        context.GlobalStep = globalStep;
        var callbacks = BuiltInCallbacks().Concat(_callbacks).ToList();
        Notify(callbacks, c => c.OnTrainBegin(context));
        bool stoppedEarly = false;
        try
        {
            for (int epoch = startEpoch; epoch < Options.Epochs; epoch++)
            {
                context.Epoch = epoch;
                var watch = Stopwatch.StartNew();
                // Dropout and other random layers draw from a stream fixed by (seed, epoch): resuming at an epoch boundary is exact.
                manual_seed((long)(SeededShuffle.Combine(Options.Seed, epoch, 0x7A1) >> 1));
                var metrics = new Dictionary<string, double>();
                RunTrainingEpoch(plan, train, optimizer, schedule, baseRates, allParameters, epoch, context, callbacks, metrics, lastGood);
                if (validation is not null)
                    foreach (var (k, v) in Evaluate(plan, validation)) metrics["validation." + k] = v;
                double? monitored = metrics.TryGetValue(Options.Monitor, out var m) ? m : null;
                schedule.OnEpochEnd(monitored);
                ApplyLearningRate(optimizer, baseRates, schedule.Factor);
                watch.Stop();
                var record = new EpochRecord(epoch, metrics, baseRates[0] * schedule.Factor, watch.Elapsed.TotalSeconds);
                context.History.Add(record);
                context.GlobalStep = globalStep = context.GlobalStep;

                bool improved = monitored is { } mv && !double.IsNaN(mv) &&
                                (best is null || (monitorHigher ? mv > best.Value + (Options.EarlyStopping?.MinDelta ?? 0) : mv < best.Value - (Options.EarlyStopping?.MinDelta ?? 0)));
                if (improved) { best = monitored; sinceImprovement = 0; }
                else if (monitored is not null) sinceImprovement++;

                if (lastPath is not null)
                {
                    var state = new CheckpointState(epoch + 1, context.GlobalStep, Options.Seed, schedule.GetState(), best, sinceImprovement, context.History.ToList());
                    CheckpointFile.Write(lastPath, plan, optimizer, state);
                    lastGood = lastPath;
                    if (improved || monitored is null) File.Copy(lastPath, bestPath!, overwrite: true);
                }

                Notify(callbacks, c => c.OnEpochEnd(context, record));
                if (Options.EarlyStopping is { } es && sinceImprovement >= es.Patience && epoch < Options.Epochs - 1)
                {
                    stoppedEarly = true;
                    break;
                }

                if (context.StopRequested) break;
            }
        }
        finally
        {
            Notify(callbacks, c => c.OnTrainEnd(context));
        }

        return new TrainingResult(context.History.ToList(), best, stoppedEarly, bestPath is not null && File.Exists(bestPath) ? bestPath : null, lastPath is not null && File.Exists(lastPath) ? lastPath : null);
    }

    /// <summary>Computes the loss and every metric of <paramref name="plan"/> on <paramref name="data"/>, without gradients.</summary>
    /// <returns>Metric values by name (<c>loss</c>, <c>accuracy</c>, ...).</returns>
    public static IReadOnlyDictionary<string, double> Evaluate(TrainingPlan plan, BatchLoader data)
    {
        AllocatorTuning.Ensure();
        plan.SetTraining(false);
        var metrics = plan.Metrics.Select(b => (Binding: b, Metric: b.Create())).ToList();
        double lossSum = 0;
        long samples = 0;
        var termSums = new double[plan.Losses.Count];
        using (no_grad())
        {
            foreach (var batch in data.Epoch(0))
            {
                using var b = batch;
                using var scope = NewDisposeScope();
                var outputs = plan.Forward(b);
                var (total, terms) = TotalLoss(plan, outputs, b);
                lossSum += total.item<float>() * b.Size;
                if (terms.Length > 1)
                    for (int i = 0; i < terms.Length; i++) termSums[i] += terms[i].item<float>() * b.Size;
                samples += b.Size;
                foreach (var (binding, metric) in metrics) Update(metric, binding, outputs, b);
            }
        }

        var result = new Dictionary<string, double> { ["loss"] = samples == 0 ? double.NaN : lossSum / samples };
        if (plan.Losses.Count > 1)
            for (int i = 0; i < plan.Losses.Count; i++) result["loss." + plan.Losses[i].Name] = termSums[i] / Math.Max(1, samples);
        foreach (var (binding, metric) in metrics) result[binding.Name] = metric.Compute();
        return result;
    }

    private void RunTrainingEpoch(TrainingPlan plan, BatchLoader train, OptimizerHelper optimizer, LearningRateSchedule schedule, double[] baseRates,
        Parameter[] parameters, int epoch, TrainingContext context, List<ITrainerCallback> callbacks, Dictionary<string, double> metricsOut, string? lastCheckpoint)
    {
        plan.SetTraining(true);
        var metrics = plan.Metrics.Select(b => (Binding: b, Metric: b.Create())).ToList();
        double lossSum = 0;
        long samples = 0;
        var termSums = new double[plan.Losses.Count];
        int step = 0;
        ApplyLearningRate(optimizer, baseRates, schedule.Factor);
        foreach (var batch in train.Epoch(epoch))
        {
            using var b = batch;
            using var scope = NewDisposeScope();
            var outputs = plan.Forward(b);
            var (total, terms) = TotalLoss(plan, outputs, b);
            double loss = total.item<float>();
            if (!double.IsFinite(loss))
                throw new NonFiniteLossException(epoch, step, $"the loss became {loss}", lastCheckpoint);
            optimizer.zero_grad();
            total.backward();
            double norm = nn.utils.clip_grad_norm_(parameters, Options.GradientClipNorm ?? double.PositiveInfinity);
            if (!double.IsFinite(norm))
                throw new NonFiniteLossException(epoch, step, $"a gradient norm became {norm}", lastCheckpoint);
            optimizer.step();
            schedule.OnBatchEnd();
            ApplyLearningRate(optimizer, baseRates, schedule.Factor);
            context.GlobalStep++;
            lossSum += loss * b.Size;
            if (terms.Length > 1)
                for (int i = 0; i < terms.Length; i++) termSums[i] += terms[i].item<float>() * b.Size;
            samples += b.Size;
            using (no_grad())
                foreach (var (binding, metric) in metrics) Update(metric, binding, outputs, b);
            Notify(callbacks, c => c.OnBatchEnd(context, step, loss));
            step++;
        }

        metricsOut["train.loss"] = samples == 0 ? double.NaN : lossSum / samples;
        if (plan.Losses.Count > 1)
            for (int i = 0; i < plan.Losses.Count; i++) metricsOut["train.loss." + plan.Losses[i].Name] = termSums[i] / Math.Max(1, samples);
        foreach (var (binding, metric) in metrics) metricsOut["train." + binding.Name] = metric.Compute();
    }

    private static (Tensor Total, Tensor[] Terms) TotalLoss(TrainingPlan plan, IReadOnlyDictionary<string, Tensor> outputs, Batch batch)
    {
        if (plan.Losses.Count == 0) throw new InvalidOperationException("The training plan has no loss: call AddLoss.");
        var terms = plan.Losses.Select(l => l.Compute(outputs, batch)).ToArray();
        Tensor total = terms[0] * plan.Losses[0].Weight;
        for (int i = 1; i < terms.Length; i++) total = total + terms[i] * plan.Losses[i].Weight;
        return (total, terms);
    }

    private static void Update(IMetric metric, MetricBinding binding, IReadOnlyDictionary<string, Tensor> outputs, Batch batch)
    {
        if (!outputs.TryGetValue(binding.Output, out var prediction))
            throw new KeyNotFoundException($"Metric '{binding.Name}' reads output '{binding.Output}', which the model does not produce. Its outputs are: {string.Join(", ", outputs.Keys)}.");
        if (!batch.Labels.TryGetValue(binding.Label, out var label))
            throw new KeyNotFoundException($"Metric '{binding.Name}' reads label '{binding.Label}', which the batch does not have. Its labels are: {string.Join(", ", batch.Labels.Keys)}.");
        metric.Update(prediction.detach(), label.Values, label.Mask);
    }

    private static void ApplyLearningRate(OptimizerHelper optimizer, double[] baseRates, double factor)
    {
        int i = 0;
        foreach (var group in optimizer.ParamGroups) group.LearningRate = baseRates[Math.Min(i++, baseRates.Length - 1)] * factor;
    }

    private IEnumerable<ITrainerCallback> BuiltInCallbacks()
    {
        if (Options.Progress != ProgressMode.None) yield return new ConsoleProgress(Options.Progress);
        if (Options.RunDirectory is null) yield break;
        if (Options.TensorBoard) yield return new TensorBoardLogger(Path.Combine(Options.RunDirectory, "tensorboard"));
        yield return new MetricsReport(Options.RunDirectory, Options.Curves);
    }

    private static void Notify(List<ITrainerCallback> callbacks, Action<ITrainerCallback> action)
    {
        for (int i = 0; i < callbacks.Count; i++)
        {
            try
            {
                action(callbacks[i]);
            }
            catch (Exception e) when (e is not NonFiniteLossException)
            {
                Console.Error.WriteLine($"warning: callback {callbacks[i].GetType().Name} failed and was removed: {e.Message}");
                callbacks.RemoveAt(i--);
            }
        }
    }
}
