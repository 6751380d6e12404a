using System.Diagnostics;
using Graft.Data;
using Graft.Data.Formats.Safetensors;
using Graft.Data.Splits;
using Graft.Pool.Fingerprints;
using Graft.Pool.Ranking;
using Graft.Pool.Signatures;
using Graft.Pool.Storage;
using Graft.Pool.Transfer;
using Graft.Weights;
using Graft.Weights.Formats;
using Graft.Weights.Loading;
using static TorchSharp.torch;

namespace Graft.Pool;

/// <summary>The two parts of a held-out split: sample indices to train on and to measure on.</summary>
/// <param name="Train">Indices to train on.</param>
/// <param name="HeldOut">Indices held out for measuring.</param>
public sealed record PoolSplit(long[] Train, long[] HeldOut);

/// <summary>
/// A pool of trained models that new models start from (dogwood's idea, in C#): <see cref="AddModel(nn.Module{Tensor, Tensor}, Tensor, Tensor, string, AddModelOptions?)"/>
/// stores a trained model with what it was trained on and how well it does; <see cref="GetPretrainedModel{T}(T, Tensor, Tensor, PretrainOptions?)"/>
/// initialises a new model from the best of them — unless told to train from scratch — and never returns a model that
/// scores worse on held-out data than any alternative it tried, its fresh initialisation included.
/// </summary>
/// <example>
/// <code>
/// using var pool = new PretrainingPool("pool");
/// var split = PretrainingPool.Split(x.shape[0]);
/// // ... train `model` on x[split.Train], y[split.Train] ...
/// pool.AddModel(model, x, y, "fashion-cnn");                 // metrics measured on x[split.HeldOut]
/// var next = pool.GetPretrainedModel(new SmallCnn(), x2, y2); // starts from fashion-cnn when it helps
/// Console.WriteLine(pool.LastReport);
/// </code>
/// </example>
public sealed class PretrainingPool : IDisposable
{
    private int _weightLoads;

    /// <summary>Opens (or creates) the embedded pool in <paramref name="directory"/>: a SQLite index and content-addressed files.</summary>
    public PretrainingPool(string directory) : this(new SqlitePoolStore(directory)) { }

    /// <summary>Opens a pool over any store.</summary>
    public PretrainingPool(IPoolStore store)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        AllocatorTuning.Ensure();
    }

    /// <summary>The store the pool keeps its entries in.</summary>
    public IPoolStore Store { get; }

    /// <summary>The default pool's folder: <c>$GRAFT_HOME/pool</c>, else <c>~/.graft/pool</c>.</summary>
    public static string DefaultDirectory
    {
        get
        {
            var home = Environment.GetEnvironmentVariable("GRAFT_HOME");
            if (string.IsNullOrWhiteSpace(home)) home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".graft");
            return Path.Combine(home, "pool");
        }
    }

    /// <summary>How many entries' weights this pool has loaded (retrieval reads the index only; this counts what it then loads).</summary>
    public int WeightLoads => _weightLoads;

    /// <summary>The report of the last <see cref="GetPretrainedModel{T}(T, Tensor, Tensor, PretrainOptions?)"/> call.</summary>
    public TransferReport? LastReport { get; private set; }

    /// <summary>For tests: called after each stage of <see cref="AddModel(nn.Module{Tensor, Tensor}, Tensor, Tensor, string, AddModelOptions?)"/> (<c>weights</c>, <c>dataset</c>).</summary>
    internal Action<string>? AfterStage { get; set; }

    /// <summary>
    /// The seeded split of <paramref name="count"/> samples the pool measures on: train on <see cref="PoolSplit.Train"/>,
    /// and <see cref="AddModel(nn.Module{Tensor, Tensor}, Tensor, Tensor, string, AddModelOptions?)"/> measures on
    /// <see cref="PoolSplit.HeldOut"/> (same fraction and seed).
    /// </summary>
    public static PoolSplit Split(long count, double heldOutFraction = 0.2, long seed = 0)
    {
        if (count < 2) throw new ArgumentException($"a held-out split needs at least 2 samples; there are {count}.", nameof(count));
        var order = SeededShuffle.Permutation(count, SeededShuffle.Combine(seed, 0x9001));
        long held = Math.Clamp((long)Math.Round(count * heldOutFraction), 1, count - 1);
        return new PoolSplit(order[..(int)(count - held)], order[(int)(count - held)..]);
    }

    /// <summary>
    /// Stores <paramref name="model"/> as the next version of <paramref name="name"/>: its weights, its architecture
    /// signature (one traced forward pass), the fingerprint of the task <paramref name="x"/>, <paramref name="y"/>
    /// describe, its metrics on the held-out part of <see cref="Split"/>, and the dataset itself (content-addressed:
    /// stored once however many entries use it). Atomic: on failure no entry appears.
    /// </summary>
    /// <param name="model">A trained model from one tensor to one tensor.</param>
    /// <param name="x">Inputs, samples along the first dimension.</param>
    /// <param name="y">Labels: integer class indices, or floating-point values.</param>
    /// <param name="name">The entry's name (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>).</param>
    /// <param name="options">Held-out fraction, seed, builder, recipe, lineage, tags.</param>
    /// <returns>The stored entry, with its version.</returns>
    public PoolEntry AddModel(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, string name, AddModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new AddModelOptions();
        options.Validate();
        if (!SqlitePoolStore.IsValidName(name ?? ""))
            throw new PoolException($"'{name}' is not a valid pool entry name: use letters, digits, '.', '_' and '-' (no '@', which starts a version or alias).");
        var task = TaskFingerprint.Of(x, y);
        using var sample = x.narrow(0, 0, Math.Min(2, x.shape[0]));
        var signature = ArchitectureSignature.Trace(model, sample);
        var split = Split(x.shape[0], options.HeldOutFraction, options.Seed);
        var (heldX, heldY) = Take(x, y, split.HeldOut, int.MaxValue);
        double score, loss;
        using (heldX)
        using (heldY)
            (score, loss) = HeldOutScore.Measure(model, heldX, heldY, task.LabelKind);
        if (!double.IsFinite(score) || !double.IsFinite(loss))
            throw new PoolException($"'{name}' cannot join the pool: on its {split.HeldOut.Length} held-out samples its {HeldOutScore.MetricName(task.LabelKind)} is {score} and its loss {loss} "
                                    + "(the model's outputs are not finite, or its labels exceed its outputs). Check the model's training for divergence (NaN/Inf) and its output size.");
        var dataset = $"held-out {options.HeldOutFraction:0.##} of dataset (seed {options.Seed})";
        var metrics = task.LabelKind == LabelKind.Class
            ? new List<WeightsMetric> { new(dataset, "accuracy", score), new(dataset, "cross_entropy", loss) }
            : new List<WeightsMetric> { new(dataset, "mse", loss) };

        var state = WeightsFile.StateOf(model);
        string weightsSha = Store.PutBlob(stream => SafetensorsWriter.Write(stream, state, null));
        AfterStage?.Invoke("weights");
        string datasetSha = Store.PutBlob(stream =>
        {
            using var cx = x.contiguous().cpu();
            using var cy = y.contiguous().cpu();
            SafetensorsWriter.Write(stream, new Dictionary<string, Tensor> { ["x"] = cx, ["y"] = cy }, null);
        });
        AfterStage?.Invoke("dataset");
        return Store.Add(new PoolEntry
        {
            Name = name!,
            Version = 0,
            WeightsSha256 = weightsSha,
            DatasetSha256 = datasetSha,
            Architecture = signature,
            Task = task,
            Metrics = metrics,
            Score = score,
            HeldOutFraction = options.HeldOutFraction,
            Seed = options.Seed,
            Builder = options.Builder,
            BuilderArgs = options.BuilderArgs,
            Recipe = options.Recipe,
            Lineage = options.Lineage,
            Tags = options.Tags,
            Created = DateTimeOffset.UtcNow,
            FileSize = new FileInfo(Store.BlobPath(weightsSha)!).Length,
        });
    }

    /// <summary>Stores a model trained on a dataset's <paramref name="feature"/> and <paramref name="label"/>; see the tensor overload.</summary>
    public PoolEntry AddModel(nn.Module<Tensor, Tensor> model, TensorDataset data, string feature, string label, string name, AddModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return AddModel(model, data.Feature(feature), data.Label(label).Values, name, options);
    }

    /// <summary>
    /// Initialises <paramref name="model"/> in place from the pool and returns it. Candidates come from index queries on
    /// the model's architecture (the same, or the same layers in other sizes); each is transferred layer by layer
    /// (exact copy, overlap copy, input-channel adaptation, head re-initialisation) and scored on a held-out slice of
    /// <paramref name="x"/>, <paramref name="y"/>, as is the fresh initialisation; the best wins. The report is in
    /// <see cref="LastReport"/>.
    /// </summary>
    public T GetPretrainedModel<T>(T model, Tensor x, Tensor y, PretrainOptions? options = null) where T : nn.Module<Tensor, Tensor> =>
        GetPretrainedModel(model, x, y, out _, options);

    /// <summary>Initialises <paramref name="model"/> from a dataset's <paramref name="feature"/> and <paramref name="label"/>; see the tensor overload.</summary>
    public T GetPretrainedModel<T>(T model, TensorDataset data, string feature, string label, PretrainOptions? options = null) where T : nn.Module<Tensor, Tensor>
    {
        ArgumentNullException.ThrowIfNull(data);
        return GetPretrainedModel(model, data.Feature(feature), data.Label(label).Values, out _, options);
    }

    /// <summary>Initialises <paramref name="model"/> in place from the pool, returns it, and gives the report; see the other overload.</summary>
    public T GetPretrainedModel<T>(T model, Tensor x, Tensor y, out TransferReport report, PretrainOptions? options = null) where T : nn.Module<Tensor, Tensor>
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new PretrainOptions();
        options.Validate();
        var watch = Stopwatch.StartNew();
        if (options.Budget is null && options.PlannedEpochs is { } planned && !options.FromScratch)
            options = options with { Budget = PlannedBudget(model, x, planned, options.PlannedBatchSize, options.MinimumBudget) };
        var kind = HeldOutScore.KindOf(y);
        var metric = HeldOutScore.MetricName(kind);
        if (options.FromScratch)
        {
            report = LastReport = new TransferReport { Chosen = TransferReport.Fresh, Metric = metric, Summary = "trained from scratch by request (FromScratch): no pool entry consulted", Elapsed = watch.Elapsed };
            return model;
        }

        var task = TaskFingerprint.Of(x, y);
        ArchitectureSignature signature;
        using (var sample = x.narrow(0, 0, Math.Min(2, x.shape[0])))
            signature = ArchitectureSignature.Trace(model, sample);
        // Explicit candidates (e.g. those a recorded run consulted) replace retrieval, so a re-run sees the same pool
        // however it has grown since.
        var candidates = options.Candidates is { } explicitly
            ? explicitly.Select(r => Get(r)).ToList()
            : Store.Find(new PoolQuery(ArchitectureHash: signature.Hash, FamilyHash: signature.FamilyHash, InputShape: TaskFingerprint.Shape(task.InputShape), Limit: options.MaxCandidates));
        var split = Split(x.shape[0], options.HeldOutFraction, options.Seed);
        var (heldX, heldY) = Take(x, y, split.HeldOut, options.MaxHeldOutSamples);
        var target = WeightsFile.StateOf(model);
        var fresh = target.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
        var (probeX, probeY) = Take(x, y, split.Train, options.RankingSamples);
        var head = options.FitHead ? Features.Head(model, signature) : null;
        var scores = new List<CandidateScore>();
        var ranked = new List<(PoolEntry Entry, Dictionary<string, Tensor> State, IReadOnlyList<LayerTransfer> Rows, int Transferred, double Transferability, double Seconds, string Note, Dictionary<string, Tensor>? Adapted)>();
        Dictionary<string, Tensor>? best = null;
        IReadOnlyList<LayerTransfer> bestLayers = [];
        string chosen = TransferReport.Fresh;
        PoolEntry? chosenEntry = null;
        ConsultedEntry? teacher = null;
        int distillationSteps = 0;
        try
        {
            // The fresh initialisation, its head fitted the same way as every candidate's: always a contender.
            var t0 = watch.Elapsed;
            // Measured batch-norm statistics first: a fresh model's (mean 0, variance 1) make its features, and a head
            // fitted on them, meaningless in evaluation mode.
            bool freshCalibrated = BatchNormCalibration.Recalibrate(model, probeX) > 0;
            var (freshHead, freshTransferability) = Probe(model, signature, head, probeX, probeY, kind, fit: head is not null, rank: true);
            if (freshHead || freshCalibrated) Snapshot(target, fresh);
            var scoreStarted = watch.Elapsed;
            var (freshScore, freshLoss) = HeldOutScore.Measure(model, heldX, heldY, kind);
            // What a candidate will cost, from what the fresh model cost (the same passes over the same samples; a
            // candidate probes twice and is scored twice, as transferred and adapted), corrected by every candidate
            // measured: nothing is started that the budget could not finish.
            var costs = new CostEstimate(Transfer: 1.5 * (scoreStarted - t0), Score: 2 * (watch.Elapsed - scoreStarted));
            double bestScore = freshScore, bestLoss = freshLoss;
            scores.Add(new CandidateScore(TransferReport.Fresh, freshScore, freshLoss, 0, (watch.Elapsed - t0).TotalSeconds,
                (freshHead ? "the model as given, head fitted by linear probing" : "the model as it was given") + (freshCalibrated ? ", batch-norm statistics measured" : "")) { Transferability = freshTransferability });
            var rules = options.Rules ?? TransferRules.CrossArchitecture;
            var aligner = options.Aligner ?? new DynamicProgrammingAligner();

            // Transfer every candidate within the budget, fit its head where it is new, and rank by LogME.
            foreach (var entry in candidates)
            {
                var started = watch.Elapsed;
                if (options.Budget is { } budget && started + costs.Transfer + costs.Score > budget)
                {
                    scores.Add(new CandidateScore(entry.Reference, double.NaN, double.NaN, 0, 0,
                        started >= budget ? "skipped: the budget was spent"
                            : $"skipped: transferring and scoring it would take about {(costs.Transfer + costs.Score).TotalSeconds:0.0} s, and {(budget - started).TotalSeconds:0.0} s of the budget remain"));
                    continue;
                }

                var source = LoadState(entry);
                try
                {
                    Restore(target, fresh);
                    var rows = TransferPlan.Apply(aligner.Align(entry.Architecture, signature), rules, source, target).ToList();
                    int transferred = rows.Count(TransferPlan.Transferred);
                    string note = (entry.Architecture.Hash == signature.Hash ? "same architecture" : entry.Architecture.FamilyHash == signature.FamilyHash ? "same layers, other sizes" : "other architecture, same input")
                                  + (entry.Task.Key == task.Key ? ", same task" : $", task {entry.Task.Key}");
                    var (newHead, transferability) = Probe(model, signature, head, probeX, probeY, kind,
                        fit: head is not null && rows.Count > 0 && !TransferPlan.Transferred(rows[^1]), rank: options.RankByTransferability);
                    if (newHead)
                    {
                        rows[^1] = rows[^1] with { Note = rows[^1].Note + "; fitted by linear probing" };
                        note += ", head fitted";
                    }

                    var asTransferred = target.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);

                    // A variant adapted to this task: batch-norm statistics measured on its inputs and the head fitted to
                    // its labels. Layers of another architecture compute something else than their statistics and head
                    // expect, and a head of the same shape may still mean other classes; where the transfer preserved
                    // the source's function, the variant as transferred usually wins. The held-out slice decides.
                    Dictionary<string, Tensor>? adapted = null;
                    bool calibrated = BatchNormCalibration.Recalibrate(model, probeX) > 0;
                    bool refit = head is not null && rows.Count > 0 && TransferPlan.Transferred(rows[^1]);
                    if (calibrated || refit)
                    {
                        var (_, adaptedTransferability) = Probe(model, signature, head, probeX, probeY, kind, fit: refit, rank: options.RankByTransferability && calibrated);
                        adapted = target.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
                        if (!double.IsNaN(adaptedTransferability))
                            transferability = Math.Max(double.IsNaN(transferability) ? double.NegativeInfinity : transferability, adaptedTransferability);
                    }

                    ranked.Add((entry, asTransferred, rows, transferred, transferability, (watch.Elapsed - started).TotalSeconds, note, adapted));
                    costs = costs with { Transfer = Max(costs.Transfer, watch.Elapsed - started) };
                }
                finally
                {
                    foreach (var t in source.Values) t.Dispose();
                }
            }

            // Score the best-ranked few on the held-out slice; keep the best, the fresh initialisation included.
            var order = options.RankByTransferability
                ? ranked.OrderByDescending(r => double.IsNaN(r.Transferability) ? double.NegativeInfinity : r.Transferability).ToList()
                : ranked;
            for (int i = 0; i < order.Count; i++)
            {
                var r = order[i];
                bool overBudget = options.Budget is { } scoreBudget && watch.Elapsed + costs.Score > scoreBudget;
                if (i >= options.ScoredCandidates || r.Transferred == 0 || overBudget)
                {
                    scores.Add(new CandidateScore(r.Entry.Reference, double.NaN, double.NaN, r.Transferred, r.Seconds,
                        r.Transferred == 0 ? r.Note + "; no layer transferred"
                        : i >= options.ScoredCandidates ? $"{r.Note}; ranked {i + 1} by LogME, not scored"
                        : $"{r.Note}; ranked {i + 1} by LogME, not scored: the budget would not cover it") { Transferability = r.Transferability });
                    continue;
                }

                var started = watch.Elapsed;
                Restore(target, r.State);
                var (score, loss) = HeldOutScore.Measure(model, heldX, heldY, kind);
                string scoredNote = r.Note;
                if (r.Adapted is { } adapted)
                {
                    // The candidate as transferred against its variant adapted to this task: a tie keeps the transferred one.
                    Restore(target, adapted);
                    var (adaptedScore, adaptedLoss) = HeldOutScore.Measure(model, heldX, heldY, kind);
                    if (adaptedScore > score)
                    {
                        (score, loss) = (adaptedScore, adaptedLoss);
                        Snapshot(adapted, r.State);
                        scoredNote += ", adapted (batch-norm statistics measured, head fitted: better on the held-out slice than as transferred)";
                        var rows = r.Rows.ToList();
                        if (rows.Count > 0 && TransferPlan.Transferred(rows[^1])) rows[^1] = rows[^1] with { Note = rows[^1].Note + "; refitted by linear probing" };
                        r = r with { Rows = rows };
                    }

                    Restore(target, r.State);
                }

                scores.Add(new CandidateScore(r.Entry.Reference, score, loss, r.Transferred, r.Seconds + (watch.Elapsed - started).TotalSeconds, scoredNote) { Transferability = r.Transferability });
                costs = costs with { Score = Max(costs.Score, watch.Elapsed - started) };
                // A tie with the fresh initialisation goes to the transferred candidate (what it learnt carries over into
                // fine-tuning; a fitted head's loss on a few held-out samples says little); between candidates, the loss decides.
                if (score > bestScore || (score == bestScore && (chosen == TransferReport.Fresh || loss < bestLoss)))
                {
                    bestScore = score;
                    bestLoss = loss;
                    chosen = r.Entry.Reference;
                    chosenEntry = r.Entry;
                    bestLayers = r.Rows;
                    best = r.State;
                }
            }

            // No transfer beat the fresh model, or the best came from another architecture (whose layers do not compute
            // what they did in the source): the best pool model of the same task teaches the best start so far through
            // its soft targets, within the distillation budget, and competes like any candidate.
            bool foreign = chosenEntry is not null && chosenEntry.Architecture.FamilyHash != signature.FamilyHash;
            // (Without a pinned teacher, only when the budget leaves time for more than scoring the result.)
            bool timeLeft = options.Budget is not { } left || watch.Elapsed + costs.Score < left;
            var teacherEntry = (chosen != TransferReport.Fresh && !foreign) || kind != LabelKind.Class ? null
                : options.Teacher is { } pinned ? Get(pinned)
                : options.Distill && timeLeft ? Store.Find(new PoolQuery(TaskKey: task.Key, Limit: 5)).FirstOrDefault(e => e.Builder is not null && e.Score > bestScore + DistillationMargin)
                : null;
            if (teacherEntry is not null)
            {
                var started = watch.Elapsed;
                string reference = "distilled from " + teacherEntry.Reference + (chosen == TransferReport.Fresh ? "" : $" onto {chosen}");
                string why = chosen == TransferReport.Fresh ? "no transfer beat the fresh model" : "the best transfer came from another architecture";
                try
                {
                    Restore(target, best ?? fresh);
                    // The student is scored after distilling: that time is kept out of the distillation's share.
                    var (epochs, steps) = Distil(model, teacherEntry, x, y, split.Train, options, watch, reserve: costs.Score / 2);
                    var (score, loss) = HeldOutScore.Measure(model, heldX, heldY, kind);
                    scores.Add(new CandidateScore(reference, score, loss, 0, (watch.Elapsed - started).TotalSeconds,
                        $"{why}; {epochs} epoch(s) ({steps} steps) on the teacher's soft targets (T = {DistillationTemperature}) and the labels"));
                    if (DistilledWins(score, loss, bestScore, bestLoss, pinned: options.Teacher is not null))
                    {
                        bestScore = score;
                        bestLoss = loss;
                        chosen = reference;
                        teacher = new ConsultedEntry(teacherEntry.Reference, teacherEntry.WeightsSha256);
                        distillationSteps = steps;
                        best = target.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
                        ranked.Add((teacherEntry, best, [], 0, double.NaN, 0, "", null));   // disposed with the others
                    }
                }
                catch (Exception e) when (e is Graft.Models.Catalog.ModelArgumentException or WeightsException or ArgumentException or InvalidDataException)
                {
                    scores.Add(new CandidateScore(reference, double.NaN, double.NaN, 0, (watch.Elapsed - started).TotalSeconds, "cannot distil: " + e.Message));
                }
            }

            Restore(target, best ?? fresh);
        }
        finally
        {
            heldX.Dispose();
            heldY.Dispose();
            probeX.Dispose();
            probeY.Dispose();
            foreach (var t in fresh.Values) t.Dispose();
            foreach (var r in ranked)
            {
                foreach (var t in r.State.Values) t.Dispose();
                if (r.Adapted is not null) foreach (var t in r.Adapted.Values) t.Dispose();
            }
        }

        string summary = candidates.Count == 0 && !chosen.StartsWith("distilled", StringComparison.Ordinal)
            ? "no pool entry shares this architecture, its layer family or its input shape: the fresh initialisation is kept"
            : chosen == TransferReport.Fresh
                ? $"{candidates.Count} candidate(s) scored; none beat the fresh initialisation, which is kept"
                : chosen.StartsWith("distilled", StringComparison.Ordinal)
                    ? chosen.Contains(" onto ", StringComparison.Ordinal)
                        ? $"{chosen}: the best of {candidates.Count} candidate(s) came from another architecture, and the teacher's soft targets improved it"
                        : $"{chosen}: no transfer from {candidates.Count} candidate(s) beat the fresh model, the teacher's soft targets did"
                    : $"initialised from {chosen}, the best of {candidates.Count} candidate(s) and the fresh initialisation";
        report = LastReport = new TransferReport
        {
            Chosen = chosen,
            Metric = metric,
            HeldOutSamples = (int)Math.Min(split.HeldOut.LongLength, options.MaxHeldOutSamples),
            Layers = bestLayers,
            Candidates = scores,
            // What the outcome depends on: the entries actually transferred (not those the budget left out).
            Consulted = candidates.Where(c => ranked.Any(r => ReferenceEquals(r.Entry, c))).Select(c => new ConsultedEntry(c.Reference, c.WeightsSha256)).ToList(),
            Teacher = teacher,
            DistillationSteps = distillationSteps,
            Elapsed = watch.Elapsed,
            Budget = options.Budget,
            Summary = summary,
        };
        return model;
    }

    /// <summary>
    /// Initialises a model that has no labels of its own — an encoder, a body that several task heads share — from the
    /// pool, by architecture and input similarity alone: each candidate (the same architecture, the same layer family,
    /// or the same input shape; only entries trained on inputs of the same shape) is transferred as in the labelled
    /// overload, and scored by the fraction of the model's
    /// parameters it filled times how alike its training inputs are to <paramref name="x"/> (mean and spread); ties go
    /// to the entry with the better recorded score. With nothing to measure predictions against, no head is fitted and
    /// nothing is distilled; the fresh initialisation is kept only when no layer transfers.
    /// </summary>
    /// <param name="model">The model, initialised in place and returned.</param>
    /// <param name="x">A sample of its inputs, samples along the first dimension.</param>
    /// <param name="report">What was consulted and chosen; its metric is <c>transferred × input similarity</c>.</param>
    /// <param name="options">Budget, candidates (explicit ones replace retrieval), rules, aligner, from scratch.</param>
    public T GetPretrainedModel<T>(T model, Tensor x, out TransferReport report, PretrainOptions? options = null) where T : nn.Module<Tensor, Tensor>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        options ??= new PretrainOptions();
        options.Validate();
        var watch = Stopwatch.StartNew();
        const string metric = "transferred x input similarity";
        if (options.FromScratch)
        {
            report = LastReport = new TransferReport { Chosen = TransferReport.Fresh, Metric = metric, Summary = "trained from scratch by request (FromScratch): no pool entry consulted", Elapsed = watch.Elapsed };
            return model;
        }

        if (x.dim() < 1 || x.shape[0] == 0) throw new ArgumentException($"x must hold at least one sample along its first dimension; its shape is [{string.Join(", ", x.shape)}].", nameof(x));
        if (options.Budget is null && options.PlannedEpochs is { } planned)
            options = options with { Budget = PlannedBudget(model, x, planned, options.PlannedBatchSize, options.MinimumBudget) };
        ArchitectureSignature signature;
        using (var sample = x.narrow(0, 0, Math.Min(2, x.shape[0])))
            signature = ArchitectureSignature.Trace(model, sample);
        var inputShape = x.shape.Skip(1).ToArray();
        double mean, std;
        using (var scope = NewDisposeScope())
        {
            var xf = x.narrow(0, 0, Math.Min(x.shape[0], options.RankingSamples)).to_type(ScalarType.Float64);
            mean = xf.mean().item<double>();
            std = xf.numel() > 1 ? xf.std().item<double>() : 0;
        }

        var candidates = options.Candidates is { } explicitly
            ? explicitly.Select(r => Get(r)).ToList()
            : Store.Find(new PoolQuery(ArchitectureHash: signature.Hash, FamilyHash: signature.FamilyHash, InputShape: TaskFingerprint.Shape(inputShape), Limit: options.MaxCandidates));
        long total = signature.Layers.Sum(l => l.Tensors.Where(t => !t.IsBuffer).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b)));
        var target = WeightsFile.StateOf(model);
        var fresh = target.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
        var scores = new List<CandidateScore> { new(TransferReport.Fresh, 0, double.NaN, 0, 0, "the model as given: kept only when no layer transfers") };
        var consulted = new List<PoolEntry>();
        Dictionary<string, Tensor>? best = null;
        IReadOnlyList<LayerTransfer> bestLayers = [];
        string chosen = TransferReport.Fresh;
        double bestScore = 0, bestRecorded = double.NegativeInfinity;
        var rules = options.Rules ?? TransferRules.CrossArchitecture;
        var aligner = options.Aligner ?? new DynamicProgrammingAligner();
        try
        {
            foreach (var entry in candidates)
            {
                var started = watch.Elapsed;
                if (options.Budget is { } budget && started >= budget)
                {
                    scores.Add(new CandidateScore(entry.Reference, double.NaN, double.NaN, 0, 0, "skipped: the budget was spent"));
                    continue;
                }

                if (!entry.Task.InputShape.SequenceEqual(inputShape))
                {
                    // Without labels to measure a transfer by, layers fed other inputs are no evidence of anything.
                    scores.Add(new CandidateScore(entry.Reference, double.NaN, double.NaN, 0, 0, $"skipped: trained on inputs of shape {TaskFingerprint.Shape(entry.Task.InputShape)}, not {TaskFingerprint.Shape(inputShape)}"));
                    continue;
                }

                var source = LoadState(entry);
                try
                {
                    consulted.Add(entry);
                    Restore(target, fresh);
                    var rows = TransferPlan.Apply(aligner.Align(entry.Architecture, signature), rules, source, target).ToList();
                    var filled = rows.Where(TransferPlan.Transferred).Select(r => r.TargetLayer).ToHashSet(StringComparer.Ordinal);
                    long covered = signature.Layers.Where(l => filled.Contains(l.Path))
                        .Sum(l => l.Tensors.Where(t => !t.IsBuffer).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b)));
                    double fraction = total == 0 ? 0 : covered / (double)total;
                    double similarity = 1 / (1 + Math.Abs(entry.Task.InputMean - mean) + Math.Abs(entry.Task.InputStd - std));
                    double score = fraction * similarity;
                    string note = (entry.Architecture.Hash == signature.Hash ? "same architecture" : entry.Architecture.FamilyHash == signature.FamilyHash ? "same layers, other sizes" : "other architecture")
                                  + $"; {fraction:P0} of the parameters transferred, input similarity {similarity:0.000}";
                    scores.Add(new CandidateScore(entry.Reference, score, double.NaN, filled.Count, (watch.Elapsed - started).TotalSeconds, note));
                    if (filled.Count > 0 && (score > bestScore || (score == bestScore && entry.Score > bestRecorded)))
                    {
                        bestScore = score;
                        bestRecorded = entry.Score;
                        chosen = entry.Reference;
                        bestLayers = rows;
                        if (best is null) best = target.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
                        else Snapshot(target, best);
                    }
                }
                finally
                {
                    foreach (var t in source.Values) t.Dispose();
                }
            }

            Restore(target, best ?? fresh);
        }
        finally
        {
            foreach (var t in fresh.Values) t.Dispose();
            if (best is not null) foreach (var t in best.Values) t.Dispose();
        }

        report = LastReport = new TransferReport
        {
            Chosen = chosen,
            Metric = metric,
            Layers = bestLayers,
            Candidates = scores,
            Consulted = consulted.Select(c => new ConsultedEntry(c.Reference, c.WeightsSha256)).ToList(),
            Elapsed = watch.Elapsed,
            Budget = options.Budget,
            Summary = candidates.Count == 0
                ? "no pool entry shares this architecture, its layer family or its input shape: the fresh initialisation is kept"
                : chosen == TransferReport.Fresh
                    ? $"no layer of {candidates.Count} candidate(s) transferred: the fresh initialisation is kept"
                    : $"initialised from {chosen} by architecture and input similarity (no labels), the best of {candidates.Count} candidate(s)",
        };
        return model;
    }

    /// <summary>An entry's weights as a registry entry (file, digest, typed metadata), loadable anywhere weights are.</summary>
    public WeightsEntry WeightsOf(PoolEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = Store.BlobPath(entry.WeightsSha256)
                   ?? throw new PoolException($"the weights file of {entry.Reference} ({entry.WeightsSha256}) is missing from the pool {Store.Location}.");
        return entry.ToWeightsEntry(path);
    }

    /// <summary>The entry a reference names (<c>pool:name</c>, <c>name@3</c>, <c>name@champion</c>).</summary>
    /// <exception cref="PoolException">No such entry; the message lists the name's versions and aliases.</exception>
    public PoolEntry Get(string reference)
    {
        var (name, version) = PoolReference.Parse(reference);
        return Store.Get(name, version) ?? throw new PoolException(NotFound(name, version));
    }

    /// <summary>Points <paramref name="alias"/> (e.g. <c>champion</c>) of <paramref name="name"/> at <paramref name="version"/>.</summary>
    public void SetAlias(string name, string alias, int version) => Store.SetAlias(name, alias, version);

    /// <summary>
    /// Re-measures an entry: loads its weights (digest checked) into <paramref name="model"/> (a model of the entry's
    /// architecture) and scores it on the held-out part of its stored dataset — the recorded score, unless a file changed.
    /// </summary>
    /// <returns>The score: accuracy for classes, minus the mean squared error for values.</returns>
    public double Remeasure(PoolEntry entry, nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(model);
        WeightsLoader.Load(model, WeightsOf(entry));
        var path = Store.BlobPath(entry.DatasetSha256)
                   ?? throw new PoolException($"the dataset of {entry.Reference} ({entry.DatasetSha256}) is missing from the pool {Store.Location}.");
        var data = WeightsLoader.ReadState(new WeightsEntry { Name = entry.Reference + " dataset", Source = path, Sha256 = entry.DatasetSha256 });
        try
        {
            var split = Split(data["x"].shape[0], entry.HeldOutFraction, entry.Seed);
            var (x, y) = Take(data["x"], data["y"], split.HeldOut, int.MaxValue);
            using (x)
            using (y)
                return HeldOutScore.Measure(model, x, y, entry.Task.LabelKind).Score;
        }
        finally
        {
            foreach (var t in data.Values) t.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Store.Dispose();

    internal string NotFound(string name, string version)
    {
        var versions = Store.List(name).Select(e => e.Version).ToList();
        if (versions.Count == 0)
        {
            var names = Store.List().Select(e => e.Name).Distinct().ToList();
            var hint = Graft.Text.Suggestions.DidYouMean(name, names);
            return $"the pool {Store.Location} has no entry named '{name}'" + (names.Count == 0 ? " (it is empty)." : hint.Length > 0 ? "." + hint : $"; its entries are {string.Join(", ", names.Take(10))}.");
        }

        var aliases = Store.Aliases(name);
        return $"the pool has no version or alias '{version}' of '{name}': its versions are {string.Join(", ", versions)} and its aliases {string.Join(", ", aliases.Select(a => $"{a.Key} -> {a.Value}"))}.";
    }

    /// <summary>The softmax temperature of distillation (Hinton et al. use 2 to 4).</summary>
    public const double DistillationTemperature = 4;

    /// <summary>
    /// A tenth of the time <paramref name="epochs"/> epochs of training on <paramref name="x"/> would take: after a
    /// warm-up step, three training steps (forward and backward of a batch) are timed and the median counts. The parameters are left as they were
    /// (their gradients are cleared); only batch-norm running statistics see the batch, and the transfers that follow
    /// overwrite them.
    /// </summary>
    internal static TimeSpan PlannedBudget(nn.Module<Tensor, Tensor> model, Tensor x, int epochs, int batchSize)
    {
        long n = x.shape[0];
        if (epochs == 0 || n == 0) return TimeSpan.Zero;
        var state = WeightsFile.StateOf(model);
        var before = state.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
        bool training = model.training;
        var times = new List<double>();
        try
        {
            model.train();
            for (int i = 0; i < 4; i++)
            {
                using var scope = NewDisposeScope();
                var batch = x.narrow(0, 0, Math.Min(n, batchSize));
                var watch = Stopwatch.StartNew();
                var output = model.call(batch);
                output.square().mean().backward();
                if (i > 0) times.Add(watch.Elapsed.TotalSeconds);
                foreach (var p in model.parameters()) p.grad?.zero_();
            }
        }
        finally
        {
            using (no_grad())
                foreach (var (key, t) in before) state[key].copy_(t);
            foreach (var t in before.Values) t.Dispose();
            model.train(training);
        }

        long batches = (n + batchSize - 1) / batchSize;
        times.Sort();
        return TimeSpan.FromSeconds(0.1 * times[1] * batches * epochs);
    }

    /// <summary>The planned budget (see above), but at least <paramref name="minimum"/> for a training of one epoch or more.</summary>
    internal static TimeSpan PlannedBudget(nn.Module<Tensor, Tensor> model, Tensor x, int epochs, int batchSize, TimeSpan minimum)
    {
        var tenth = PlannedBudget(model, x, epochs, batchSize);
        return epochs > 0 && tenth < minimum ? minimum : tenth;
    }

    /// <summary>
    /// The least budget a planned training gives <see cref="GetPretrainedModel{T}(T, Tensor, Tensor, out TransferReport, PretrainOptions?)"/>
    /// by default (<see cref="PretrainOptions.MinimumBudget"/>): enough to load, transfer and score a candidate of a
    /// small model on Fashion-MNIST-sized data, where a tenth of a short training is not.
    /// </summary>
    public static readonly TimeSpan DefaultMinimumBudget = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a distilled student replaces the best start so far: only when it scores at least
    /// <see cref="DistillationMargin"/> higher on the held-out slice, which is small, so that a start computing exactly
    /// what its source did (a widened or deepened entry) does not give way to noise. A pinned teacher (a reproduction)
    /// is taken as recorded: any gain, or an equal score with a lower loss.
    /// </summary>
    internal static bool DistilledWins(double score, double loss, double bestScore, double bestLoss, bool pinned) =>
        pinned ? score > bestScore || (score == bestScore && loss < bestLoss) : score >= bestScore + DistillationMargin;

    /// <summary>What transferring (and probing) one candidate and scoring one candidate take, as far as measured.</summary>
    private readonly record struct CostEstimate(TimeSpan Transfer, TimeSpan Score);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The time distillation takes when neither the call nor distillation has a budget of its own.</summary>
    public static readonly TimeSpan DefaultDistillationBudget = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How much better (recorded held-out score) a teacher must be than the best start so far to be worth distilling from,
    /// and how much better (on the held-out slice) the distilled student must score to replace that start.
    /// </summary>
    public const double DistillationMargin = 0.01;

    /// <summary>
    /// Trains <paramref name="student"/> on the training part of x, y with half the loss from the labels and half from
    /// the teacher's softened outputs (T² · KL), until the budget or the epoch limit; returns the epochs run.
    /// </summary>
    private (int Epochs, int Steps) Distil(nn.Module<Tensor, Tensor> student, PoolEntry teacherEntry, Tensor x, Tensor y, long[] train, PretrainOptions options, Stopwatch watch, TimeSpan reserve)
    {
        // A reproduction makes exactly the recorded steps, however long they take.
        // Otherwise it stops at its own budget or the call's, whichever comes first.
        var own = options.DistillationBudget is { } d ? watch.Elapsed + d : options.Budget is null ? watch.Elapsed + DefaultDistillationBudget : TimeSpan.MaxValue;
        var deadline = options.DistillationSteps is not null ? TimeSpan.MaxValue
            : options.Budget is { } total && total - reserve < own ? total - reserve
            : own;
        int maxSteps = options.DistillationSteps ?? int.MaxValue;
        using var built = Graft.Models.Catalog.ModelCatalog.Create(teacherEntry.Builder!, teacherEntry.BuilderArgs,
            new Graft.Models.Catalog.ModelShapes(teacherEntry.Task.InputShape, teacherEntry.Task.Classes));
        Interlocked.Increment(ref _weightLoads);
        WeightsLoader.Load(built.Module, WeightsOf(teacherEntry));
        var teacher = built.AsTensorModule();
        // The teacher's soft targets are computed batch by batch, so a short budget costs only the steps it takes.
        teacher.eval();
        using var labels = y.to_type(ScalarType.Int64).flatten();
        using (var optimizer = optim.Adam(student.parameters(), lr: 1e-3))
        {
            int epochs = 0, steps = 0;
            student.train();
            double t2 = DistillationTemperature * DistillationTemperature;
            for (; epochs < options.DistillationEpochs && watch.Elapsed < deadline && steps < maxSteps; epochs++)
            {
                var order = SeededShuffle.Permutation(train.LongLength, SeededShuffle.Combine(options.Seed, epochs, 0xD157));
                for (int start = 0; start < order.Length && watch.Elapsed < deadline && steps < maxSteps; start += 128, steps++)
                {
                    using var scope = NewDisposeScope();
                    var index = tensor(order[start..Math.Min(order.Length, start + 128)].Select(i => train[i]).ToArray(), ScalarType.Int64);
                    var xb = x.index_select(0, index);
                    Tensor target;
                    using (no_grad()) target = nn.functional.softmax(teacher.call(xb) / DistillationTemperature, 1);
                    var logits = student.call(xb);
                    var logStudent = nn.functional.log_softmax(logits / DistillationTemperature, 1);
                    var kl = (target * (target.clamp_min(1e-12).log() - logStudent)).sum(1).mean();
                    var loss = nn.functional.cross_entropy(logits, labels.index_select(0, index)) * 0.5 + kl * (0.5 * t2);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
            }

            student.eval();
            return (epochs, steps);
        }
    }

    /// <summary>
    /// One pass of penultimate features over the probe sample: fits the head to them when asked (linear probing) and
    /// measures their LogME transferability when asked.
    /// </summary>
    private static (bool Fitted, double Transferability) Probe(nn.Module<Tensor, Tensor> model, ArchitectureSignature signature, TorchSharp.Modules.Linear? head,
        Tensor x, Tensor y, LabelKind kind, bool fit, bool rank)
    {
        if (!fit && !rank) return (false, double.NaN);
        using var features = Features.Penultimate(model, signature, x);
        if (features is null) return (false, double.NaN);
        // Features that overflowed (a candidate whose weights do not suit these inputs) carry no signal to fit or rank
        // by; the held-out slice still scores the candidate as it is.
        if (!features.isfinite().all().item<bool>()) return (false, double.NaN);
        bool fitted = fit && head is not null && HeadFitting.Fit(head, features, y, kind);
        return (fitted, rank ? LogMe.Score(features, y, kind) : double.NaN);
    }

    private static void Snapshot(IReadOnlyDictionary<string, Tensor> from, Dictionary<string, Tensor> into)
    {
        using var _ = no_grad();
        foreach (var (key, t) in from) into[key].copy_(t);
    }

    private Dictionary<string, Tensor> LoadState(PoolEntry entry)
    {
        Interlocked.Increment(ref _weightLoads);
        var state = WeightsLoader.ReadState(WeightsOf(entry));
        return state.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    private static void Restore(IReadOnlyDictionary<string, Tensor> target, IReadOnlyDictionary<string, Tensor> values)
    {
        using var _ = no_grad();
        foreach (var (key, t) in target) t.copy_(values[key]);
    }

    private static (Tensor X, Tensor Y) Take(Tensor x, Tensor y, long[] indices, int max)
    {
        var chosen = indices.Length <= max ? indices : indices[..max];
        using var index = tensor(chosen, ScalarType.Int64);
        return (x.index_select(0, index), y.index_select(0, index));
    }
}
