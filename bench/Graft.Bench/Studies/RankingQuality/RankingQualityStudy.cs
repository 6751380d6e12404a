using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Bench.Caching;
using Graft.Bench.Reporting;
using Graft.Models.Catalog;
using Graft.Pool;
using Graft.Pool.Ranking;
using Graft.Pool.Transfer;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Bench.Studies.RankingQuality;

/// <summary>
/// How well the pool's ranking of candidates predicts the accuracy each really reaches: a pool of fourteen models (four
/// architectures, nine Fashion-MNIST class subsets) against five target tasks. For each target and seed the pool ranks
/// every entry once (LogME on the transferred penultimate features); then every entry alone initialises the target model,
/// which is fine-tuned the same short way and measured on test images. The weighted Kendall tau between the two orders
/// is the figure transferability papers report (LogME 0.676 on its benchmark, Model Spider 0.800).
/// </summary>
internal sealed class RankingQualityStudy : IStudy
{
    private const int ThreadCount = 2;
    private const double TargetTau = 0.8;
    private static readonly long[] ImageShape = [1, 28, 28];

    public string Name => "ranking-quality";

    public string Title => "Ranking quality: the pool's LogME ranking against the accuracy each candidate reaches after the same short fine-tuning";

    public int Threads => ThreadCount;

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        set_num_threads(ThreadCount);
        var total = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var workload = options.Smoke ? RankingWorkload.QuickRun : RankingWorkload.Full;
        var cache = TrainedModelCache.ForRepository(ResultStore.Locate().RepositoryRoot);
        log.WriteLine($"[{Name}] {(workload.Quick ? "quick (tiny sizes)" : "full")}: {workload.Pool.Count} pool models, {workload.Targets.Count} targets, seeds {string.Join(", ", workload.Seeds)}; trained models cached in {cache.Directory}");
        using var data = FashionMnistSubsets.Load();
        var poolDirectory = Path.Combine(Path.GetTempPath(), "graft-bench-ranking-" + Guid.NewGuid().ToString("N"));
        try
        {
            List<PoolMember> members;
            var targets = new List<TargetResult>();
            double poolSeconds;
            using (var pool = new PretrainingPool(poolDirectory))
            {
                var poolWatch = Stopwatch.StartNew();
                log.WriteLine($"[{Name}] the pool, in the temporary folder {poolDirectory}:");
                members = BuildPool(pool, data, workload, cache, log);
                poolSeconds = poolWatch.Elapsed.TotalSeconds;
                foreach (var target in workload.Targets)
                    targets.Add(RunTarget(target, members, pool, data, workload, log));
            }

            return Summarise(workload, members, targets, poolSeconds, total.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(poolDirectory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A pool entry with the recipe that trained it and what the cache said.</summary>
    private sealed record PoolMember(PoolModelSpec Spec, TrainingRecipe Recipe, PoolEntry Entry, CachedModel Cached);

    /// <summary>One candidate's run for one target and seed.</summary>
    private sealed record CandidateRun(
        string Name,
        double LogMe,
        double LogMeAlone,
        double HeldOut,
        string Start,
        int Layers,
        double CallSeconds,
        double FineTuneSeconds,
        double Accuracy,
        double RecordedScore,
        bool Diverged);

    /// <summary>One target and seed: the ranking call, the fresh baseline and every candidate.</summary>
    private sealed record SeedRun(
        long Seed,
        double RankingSeconds,
        string Chosen,
        double FreshAccuracy,
        double FreshLogMe,
        double FreshHeldOut,
        bool FreshDiverged,
        IReadOnlyList<CandidateRun> Candidates)
    {
        public int DivergedRuns => Candidates.Count(c => c.Diverged) + (FreshDiverged ? 1 : 0);

        public double[] Accuracies => Candidates.Select(c => c.Accuracy).ToArray();

        public double TauLogMe => WeightedKendallTau.Compute(Candidates.Select(c => c.LogMe).ToArray(), Accuracies);

        // A candidate the pool could not score (nothing transferred) starts from the fresh model: rank it by the fresh score.
        public double TauHeldOut => WeightedKendallTau.Compute(Candidates.Select(c => double.IsNaN(c.HeldOut) ? FreshHeldOut : c.HeldOut).ToArray(), Accuracies);

        public double TauRecorded => WeightedKendallTau.Compute(Candidates.Select(c => c.RecordedScore).ToArray(), Accuracies);

        public double BestAccuracy => Math.Max(FreshAccuracy, Candidates.Max(c => c.Accuracy));

        public CandidateRun TopByLogMe => Candidates.MaxBy(c => c.LogMe)!;

        public CandidateRun Best => Candidates.MaxBy(c => c.Accuracy)!;

        public double ChosenAccuracy => Chosen == TransferReport.Fresh ? FreshAccuracy : Candidates.First(c => c.Name == Chosen).Accuracy;

        public double CostRatio => RankingSeconds / Candidates.Sum(c => c.CallSeconds + c.FineTuneSeconds);

        /// <summary>How many candidates the pool replaced by the fresh model (it won the held-out slice): they share its accuracy.</summary>
        public int FellBack => Candidates.Count(c => c.Start.StartsWith("fresh", StringComparison.Ordinal));

        /// <summary>
        /// τ_w of a perfect predictor that never ties (the true order, ties broken by LogME): below 1 only because
        /// candidates share an accuracy, which no tie-free score can match.
        /// </summary>
        public double TieCeiling
        {
            get
            {
                var order = Enumerable.Range(0, Candidates.Count).OrderBy(i => Candidates[i].Accuracy).ThenBy(i => Candidates[i].LogMe).ToArray();
                var perfect = new double[order.Length];
                for (int r = 0; r < order.Length; r++) perfect[order[r]] = r;
                return WeightedKendallTau.Compute(perfect, Accuracies);
            }
        }
    }

    private sealed record TargetResult(TargetSpec Spec, long Parameters, IReadOnlyList<SeedRun> Seeds);

    private List<PoolMember> BuildPool(PretrainingPool pool, FashionMnistSubsets data, RankingWorkload workload, TrainedModelCache cache, TextWriter log)
    {
        var members = new List<PoolMember>();
        foreach (var spec in workload.Pool)
        {
            var recipe = new TrainingRecipe(spec.Builder, spec.Args, spec.Classes, $"fashion-mnist train [0, {workload.PoolRangeEnd})", spec.Samples, spec.Epochs,
                workload.BatchSize, workload.LearningRate, RankingWorkload.PoolSeed, ShortTraining.Procedure);
            var (x, y) = data.Train(spec.Classes, 0, workload.PoolRangeEnd, spec.Samples);
            manual_seed(RankingWorkload.PoolSeed);
            var model = ModelCatalog.CreateModule(spec.Builder, recipe.CatalogArgs, new ModelShapes(ImageShape, spec.Classes.Length));
            try
            {
                var cached = cache.GetOrTrain(recipe, model, () =>
                {
                    ShortTraining.FitOnPoolSplit(model, x, y, spec.Epochs, workload.BatchSize, workload.LearningRate, RankingWorkload.PoolSeed);
                    if (!ShortTraining.IsFinite(model))
                        throw new InvalidOperationException($"training {spec.Name} diverged (a parameter is not finite); nothing was cached. Run the study again.");
                    var (tx, ty) = data.Test(spec.Classes, workload.Quick ? workload.TestSamples : 10_000);
                    using (tx)
                    using (ty)
                        return new Dictionary<string, double> { ["test_accuracy"] = ShortTraining.Accuracy(model, tx, ty), ["test_images"] = tx.shape[0] };
                }, log, spec.Name);
                PoolEntry entry;
                try
                {
                    entry = pool.AddModel(model, x, y, spec.Name, new AddModelOptions
                    {
                        Builder = spec.Builder,
                        BuilderArgs = recipe.CatalogArgs,
                        Recipe = recipe.CanonicalJson(),
                        Tags = ["graft-bench", Name],
                    });
                }
                catch (ArgumentException e) when (e.Message.Contains("JSON", StringComparison.Ordinal))
                {
                    // The pool's index stores metrics as JSON, which has no infinity: a model whose held-out loss overflows cannot be added.
                    throw new InvalidOperationException($"the pool cannot store {spec.Name} (recipe {cached.Key[..12]}): a held-out metric is not finite ({e.Message}). Train it longer.", e);
                }

                members.Add(new PoolMember(spec, recipe, entry, cached));
            }
            finally
            {
                model.Dispose();
                x.Dispose();
                y.Dispose();
            }
        }

        return members;
    }

    private TargetResult RunTarget(TargetSpec target, IReadOnlyList<PoolMember> members, PretrainingPool pool, FashionMnistSubsets data, RankingWorkload workload, TextWriter log)
    {
        var (x, y) = data.Train(target.Classes, workload.PoolRangeEnd, data.TrainCount, target.Samples);
        var (testX, testY) = data.Test(target.Classes, workload.TestSamples);
        var references = members.Select(m => m.Entry.Reference).ToList();
        long parameters;
        using (var probe = NewTarget(target, 0)) parameters = probe.parameters().Sum(p => p.numel());
        log.WriteLine($"[{Name}] target {target.Name}: classes {{{string.Join(", ", target.Classes)}}}, {target.Samples} samples, {target.Builder}({Describe(target.Args)}), {testX.shape[0]} test images");
        var seeds = new List<SeedRun>();
        try
        {
            foreach (long seed in workload.Seeds)
            {
                // The ranking call: every entry transferred and ranked by LogME, the best few scored on the held-out slice.
                TransferReport ranking;
                double rankingSeconds;
                using (var model = NewTarget(target, seed))
                {
                    var watch = Stopwatch.StartNew();
                    pool.GetPretrainedModel(model, x, y, out ranking, new PretrainOptions { Candidates = references, Distill = false });
                    rankingSeconds = watch.Elapsed.TotalSeconds;
                }

                var (freshAccuracy, freshReport, _, _, freshDiverged) = FineTuned(target, seed, [], pool, x, y, testX, testY, workload);
                var runs = new List<CandidateRun>();
                foreach (var member in members)
                {
                    string reference = member.Entry.Reference;
                    var (accuracy, alone, callSeconds, fineTuneSeconds, diverged) = FineTuned(target, seed, [reference], pool, x, y, testX, testY, workload);
                    var scored = alone.Candidates.First(c => c.Reference == reference);
                    string start = alone.Chosen != reference ? "fresh (won the held-out slice)"
                        : scored.Note.Contains("adapted", StringComparison.Ordinal) ? "adapted" : "as transferred";
                    runs.Add(new CandidateRun(member.Spec.Name, Finite(ranking.Candidates.First(c => c.Reference == reference).Transferability), Finite(scored.Transferability),
                        scored.Score, start, scored.LayersTransferred, callSeconds, fineTuneSeconds, accuracy, member.Entry.Score, diverged));
                }

                string chosen = ranking.Chosen == TransferReport.Fresh ? TransferReport.Fresh : members.First(m => m.Entry.Reference == ranking.Chosen).Spec.Name;
                var run = new SeedRun(seed, rankingSeconds, chosen, freshAccuracy, Finite(ranking.Candidates[0].Transferability), freshReport.Candidates[0].Score, freshDiverged, runs);
                seeds.Add(run);
                var mismatch = runs.Where(r => Math.Abs(r.LogMe - r.LogMeAlone) > 1e-6 * Math.Max(1, Math.Abs(r.LogMe))).Select(r => r.Name).ToList();
                log.WriteLine($"[{Name}]   seed {seed}: ranking {rankingSeconds:0.00} s ({run.CostRatio:0.000} of fine-tuning all), tau_w LogME {run.TauLogMe:0.000}, held-out {run.TauHeldOut:0.000}, source score {run.TauRecorded:0.000}; " +
                              $"best {run.Best.Name} {run.Best.Accuracy:0.000}, LogME's top {run.TopByLogMe.Name} {run.TopByLogMe.Accuracy:0.000}, pool chose {chosen} {run.ChosenAccuracy:0.000}, fresh {freshAccuracy:0.000}" +
                              (mismatch.Count > 0 ? $"; LogME differs alone for {string.Join(", ", mismatch)}" : "") +
                              (run.DivergedRuns > 0 ? $"; WARNING: {run.DivergedRuns} fine-tuning run(s) ended with non-finite weights" : ""));
            }
        }
        finally
        {
            x.Dispose();
            y.Dispose();
            testX.Dispose();
            testY.Dispose();
        }

        return new TargetResult(target, parameters, seeds);
    }

    /// <summary>Initialises the target model from exactly <paramref name="candidates"/> (none: the fresh contender), fine-tunes it and measures it.</summary>
    private static (double Accuracy, TransferReport Report, double CallSeconds, double FineTuneSeconds, bool Diverged) FineTuned(TargetSpec target, long seed, IReadOnlyList<string> candidates,
        PretrainingPool pool, Tensor x, Tensor y, Tensor testX, Tensor testY, RankingWorkload workload)
    {
        using var model = NewTarget(target, seed);
        var watch = Stopwatch.StartNew();
        pool.GetPretrainedModel(model, x, y, out var report, new PretrainOptions { Candidates = candidates, Distill = false });
        double callSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        ShortTraining.Fit(model, x, y, workload.FineTuneEpochs, workload.BatchSize, workload.LearningRate, seed);
        double fineTuneSeconds = watch.Elapsed.TotalSeconds;
        return (ShortTraining.Accuracy(model, testX, testY), report, callSeconds, fineTuneSeconds, !ShortTraining.IsFinite(model));
    }

    private static nn.Module<Tensor, Tensor> NewTarget(TargetSpec target, long seed)
    {
        manual_seed(seed);
        return ModelCatalog.CreateModule(target.Builder, target.Args.ToDictionary(a => a.Key, a => (object)a.Value, StringComparer.Ordinal), new ModelShapes(ImageShape, target.Classes.Length));
    }

    private static double Finite(double v) => double.IsNaN(v) ? double.NegativeInfinity : v;

    private StudyOutcome Summarise(RankingWorkload workload, IReadOnlyList<PoolMember> members, IReadOnlyList<TargetResult> targets, double poolSeconds, double seconds, double cpuSeconds)
    {
        var targetRows = new List<IReadOnlyList<string>>();
        var candidateRows = new List<IReadOnlyList<string>>();
        var perTargetTau = new List<double>();
        var perTargetHeldOut = new List<double>();
        var perTargetCeiling = new List<double>();
        var perTargetOnMedians = new List<double>();
        var costs = new List<double>();
        var regrets = new List<double>();
        var targetsJson = new JsonArray();
        foreach (var t in targets)
        {
            var taus = t.Seeds.Select(s => s.TauLogMe).ToList();
            var heldOut = t.Seeds.Select(s => s.TauHeldOut).ToList();
            var recorded = t.Seeds.Select(s => s.TauRecorded).ToList();
            var ceiling = SeedToSeed(t.Seeds);
            var medianLogMe = t.Seeds[0].Candidates.Select((_, i) => Statistics.Median(t.Seeds.Select(s => s.Candidates[i].LogMe).ToList())).ToArray();
            var medianAccuracy = t.Seeds[0].Candidates.Select((_, i) => Statistics.Median(t.Seeds.Select(s => s.Candidates[i].Accuracy).ToList())).ToArray();
            double onMedians = WeightedKendallTau.Compute(medianLogMe, medianAccuracy);
            perTargetTau.Add(Statistics.Median(taus));
            perTargetHeldOut.Add(Statistics.Median(heldOut));
            perTargetCeiling.Add(Statistics.Median(ceiling));
            perTargetOnMedians.Add(onMedians);
            costs.AddRange(t.Seeds.Select(s => s.CostRatio));
            regrets.AddRange(t.Seeds.Select(s => s.BestAccuracy - s.ChosenAccuracy));
            targetRows.Add(
            [
                t.Spec.Name,
                "{" + string.Join(",", t.Spec.Classes) + "}",
                t.Spec.Samples.ToString(CultureInfo.InvariantCulture),
                $"{t.Spec.Builder}({Describe(t.Spec.Args)})",
                Spread(taus),
                F3(onMedians),
                Spread(heldOut),
                Spread(recorded),
                Spread(ceiling),
                Spread(t.Seeds.Select(s => s.TieCeiling).ToList()),
                string.Join(", ", t.Seeds.Select(s => s.FellBack)),
                Spread(t.Seeds.Select(s => s.FreshAccuracy).ToList()),
                Spread(t.Seeds.Select(s => s.Best.Accuracy).ToList()),
                string.Join(", ", t.Seeds.Select(s => $"{s.Chosen} {F3(s.ChosenAccuracy)}")),
                Spread(t.Seeds.Select(s => s.CostRatio).ToList()),
            ]);

            var rankByLogMe = Ranks(medianLogMe);
            var rankByAccuracy = Ranks(medianAccuracy);
            for (int i = 0; i < t.Seeds[0].Candidates.Count; i++)
            {
                var runs = t.Seeds.Select(s => s.Candidates[i]).ToList();
                candidateRows.Add(
                [
                    t.Spec.Name,
                    runs[0].Name,
                    F3(medianLogMe[i]),
                    (rankByLogMe[i] + 1).ToString(CultureInfo.InvariantCulture),
                    F3(Statistics.Median(runs.Select(r => double.IsNaN(r.HeldOut) ? double.NegativeInfinity : r.HeldOut).ToList())),
                    string.Join("/", runs.Select(r => r.Start).Distinct()),
                    runs[0].Layers.ToString(CultureInfo.InvariantCulture),
                    Spread(runs.Select(r => r.Accuracy).ToList()),
                    (rankByAccuracy[i] + 1).ToString(CultureInfo.InvariantCulture),
                ]);
            }

            targetsJson.Add(new JsonObject
            {
                ["name"] = t.Spec.Name,
                ["classes"] = new JsonArray(t.Spec.Classes.Select(c => (JsonNode)c).ToArray()),
                ["samples"] = t.Spec.Samples,
                ["builder"] = t.Spec.Builder,
                ["args"] = new JsonObject(t.Spec.Args.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
                ["parameters"] = t.Parameters,
                ["tau_logme_median"] = Statistics.Median(taus),
                ["tau_logme_on_seed_medians"] = Json(onMedians),
                ["seed_to_seed_tau"] = new JsonArray(ceiling.Select(Json).ToArray()),
                ["seeds"] = new JsonArray(t.Seeds.Select(s => (JsonNode)SeedJson(s)).ToArray()),
            });
        }

        var poolRows = members.Select(m => (IReadOnlyList<string>)
        [
            m.Spec.Name,
            $"{m.Spec.Builder}({Describe(m.Spec.Args)})",
            "{" + string.Join(",", m.Spec.Classes) + "}",
            $"{m.Spec.Samples} x {m.Spec.Epochs}",
            F3(m.Entry.Score),
            F3(m.Cached.Metrics.TryGetValue("test_accuracy", out var a) ? a : double.NaN),
            m.Cached.FromCache ? $"cached ({m.Cached.TrainSeconds:0.0} s when trained)" : $"trained now, {m.Cached.TrainSeconds:0.0} s",
        ]).ToList();

        var runsAll = targets.SelectMany(t => t.Seeds).ToList();
        double meanTau = perTargetTau.Average();
        double medianTau = Statistics.Median(perTargetTau);
        int reused = members.Count(m => m.Cached.FromCache);
        var architectures = members.Select(m => $"{m.Spec.Builder}({Describe(m.Spec.Args)})").Distinct().ToList();
        string sizes = workload.Quick ? "quick run (tiny sizes: figures are a smoke test, not a measurement)" : "full run";
        var description =
            $"""
            A pool of {members.Count} Fashion-MNIST models of {architectures.Count} architectures ({string.Join(", ", architectures)}), each trained on
            one of {members.Select(m => string.Join(",", m.Spec.Classes)).Distinct().Count()} class subsets (one model deliberately briefly) from training images 0–{workload.PoolRangeEnd - 1}, is added to a
            temporary pool. Each of {targets.Count} target tasks (its own classes, {string.Join("/", workload.Targets.Select(t => t.Samples).Distinct())} training
            images drawn from images {workload.PoolRangeEnd} on, so never seen by the pool; a fixed target architecture) is then run with
            {workload.Seeds.Count} seeds. Per seed, the seeded target model is initialised once by `GetPretrainedModel` with every entry as a
            candidate (`Candidates` = all, no distillation): **the pool's predicted ranking is each candidate's LogME** on its
            transferred penultimate features, as the report lists it (the best three are also scored on the held-out slice; the
            call is timed). Then, for each entry alone (`Candidates` = [entry]) the same seeded model is initialised — the pool
            returns the entry as transferred, its adapted variant (batch-norm statistics measured, head fitted), or the fresh
            model when that scores better on the held-out slice — and fine-tuned the same short way ({workload.FineTuneEpochs} epoch(s), Adam
            lr {workload.LearningRate}, batch {workload.BatchSize}, the seed's order and dropout), then measured on up to {workload.TestSamples} test images of the
            target's classes. **τ_w** is the weighted Kendall tau (hyperbolic weights, `scipy.stats.weightedtau`'s definition,
            `Graft.Pool.Ranking.WeightedKendallTau`) between LogME and that accuracy over the pool's entries, per seed; the table gives
            the median over seeds [min, max]. For comparison: τ_w of the held-out score after transfer (what `Candidates` = [entry]
            reports; a candidate with nothing transferred gets the fresh model's), of the entry's own recorded accuracy on its own
            task, and two bounds on what any score could reach: the seed-to-seed τ_w of the accuracies themselves (how reproducible
            the "true" order is) and the τ_w of a perfect score that never ties (candidates the pool replaced by the fresh model
            all share its accuracy, which a tie-free score cannot match). Ranking cost = the ranking call's time / the time of initialising and fine-tuning every candidate.
            Trained pool models are cached by recipe hash in `bench/cache/models` ({reused} of {members.Count} re-used in this run). {sizes}.
            """;
        var settings = new List<NamedValue>
        {
            new("mode", workload.Quick ? "quick" : "full"),
            new("pool models", string.Join(", ", members.Select(m => m.Spec.Name))),
            new("pool training", $"{ShortTraining.Procedure}; lr {workload.LearningRate}, batch {workload.BatchSize}, seed {RankingWorkload.PoolSeed}"),
            new("targets", string.Join("; ", workload.Targets.Select(t => $"{t.Name} {{{string.Join(",", t.Classes)}}} x {t.Samples} on {t.Builder}({Describe(t.Args)})"))),
            new("fine-tuning", $"{workload.FineTuneEpochs} epoch(s), Adam lr {workload.LearningRate}, batch {workload.BatchSize}"),
            new("seeds", string.Join(", ", workload.Seeds)),
            new("test images per target", $"up to {workload.TestSamples}"),
            new("pool options", $"Candidates = every entry (ranking) or one entry, Distill = false, otherwise defaults (RankingSamples {new PretrainOptions().RankingSamples}, MaxHeldOutSamples {new PretrainOptions().MaxHeldOutSamples}, ScoredCandidates {new PretrainOptions().ScoredCandidates}, HeldOutFraction {new PretrainOptions().HeldOutFraction})"),
            new("threads", ThreadCount.ToString(CultureInfo.InvariantCulture)),
        };
        var summary = new List<NamedValue>
        {
            new("τ_w LogME vs fine-tuned accuracy, mean over targets (of per-target medians)", F3(meanTau)),
            new("τ_w LogME, median over targets", F3(medianTau)),
            new("τ_w LogME per target (median over seeds)", string.Join(", ", targets.Zip(perTargetTau, (t, v) => $"{t.Spec.Name} {F3(v)}"))),
            new("τ_w LogME against the seed-median accuracy, mean over targets", F3(perTargetOnMedians.Average())),
            new("τ_w held-out score after transfer, mean over targets", F3(perTargetHeldOut.Average())),
            new("seed-to-seed τ_w of the accuracies themselves (how reproducible the order is), mean over targets", F3(perTargetCeiling.Average())),
            new("LogME's top candidate is the best one", $"{runsAll.Count(s => s.TopByLogMe.Accuracy >= s.Best.Accuracy)} of {runsAll.Count} runs"),
            new("candidates replaced by the fresh model (won the held-out slice)", $"{runsAll.Sum(s => s.FellBack)} of {runsAll.Sum(s => s.Candidates.Count)}"),
            new("ranking cost / fine-tuning every candidate, median [min, max]", Spread(costs)),
            new("accuracy lost by the pool's choice vs the best start, median [max]", $"{F3(Statistics.Median(regrets))} [{F3(regrets.Max())}]"),
            new("fine-tuning runs that ended with non-finite weights", $"{targets.Sum(t => t.Seeds.Sum(s => s.DivergedRuns))} of {targets.Sum(t => t.Seeds.Sum(s => s.Candidates.Count + 1))}"),
            new("pool models re-used from the cache", $"{reused} of {members.Count}"),
            new("time: pool (train or load, add)", $"{poolSeconds:0} s"),
            new("time: whole study (process CPU time)", $"{seconds:0} s ({cpuSeconds:0} s CPU)"),
        };
        var dataJson = new JsonObject
        {
            ["quick"] = workload.Quick,
            ["mean_tau_logme"] = meanTau,
            ["median_tau_logme"] = medianTau,
            ["seconds"] = seconds,
            ["cpu_seconds"] = cpuSeconds,
            ["pool_seconds"] = poolSeconds,
            ["pool"] = new JsonArray(members.Select(m => (JsonNode)new JsonObject
            {
                ["name"] = m.Spec.Name,
                ["recipe_key"] = m.Cached.Key,
                ["recipe"] = JsonNode.Parse(m.Recipe.CanonicalJson()),
                ["held_out_accuracy"] = m.Entry.Score,
                ["metrics"] = new JsonObject(m.Cached.Metrics.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Json(kv.Value)))),
                ["from_cache"] = m.Cached.FromCache,
                ["train_seconds"] = m.Cached.TrainSeconds,
            }).ToArray()),
            ["targets"] = targetsJson,
        };
        return new StudyOutcome(
            description,
            settings,
            [
                new ResultTable("Targets: τ_w per seed, median [min, max]",
                    ["target", "classes", "samples", "model", "τ_w LogME", "τ_w LogME on seed medians", "τ_w held-out score", "τ_w source's own score", "seed-to-seed τ_w of accuracy", "τ_w of a perfect tie-free score", "candidates replaced by the fresh model (per seed)", "fresh accuracy", "best candidate accuracy", "pool's choice (per seed)", "ranking cost"],
                    targetRows),
                new ResultTable("Candidates: median over seeds (accuracy [min, max]); ranks 1 = best",
                    ["target", "candidate", "LogME", "LogME rank", "held-out score", "start fine-tuned", "layers transferred", "fine-tuned accuracy", "accuracy rank"],
                    candidateRows),
                new ResultTable("Pool", ["entry", "model", "classes", "samples x epochs", "held-out accuracy (pool)", "test accuracy", "cache"], poolRows),
            ],
            summary,
            $"weighted Kendall tau between LogME and fine-tuned accuracy at least {TargetTau} (mean over targets of the median over seeds)",
            meanTau >= TargetTau ? "PASS" : "FAIL",
            dataJson);
    }

    /// <summary>τ_w between the accuracies of every pair of seeds: how reproducible the order being predicted is.</summary>
    private static List<double> SeedToSeed(IReadOnlyList<SeedRun> seeds)
    {
        var result = new List<double>();
        for (int i = 0; i < seeds.Count; i++)
            for (int j = i + 1; j < seeds.Count; j++)
                result.Add(WeightedKendallTau.Compute(seeds[i].Accuracies, seeds[j].Accuracies));
        return result;
    }

    private static JsonObject SeedJson(SeedRun s) => new()
    {
        ["seed"] = s.Seed,
        ["ranking_seconds"] = s.RankingSeconds,
        ["cost_ratio"] = s.CostRatio,
        ["chosen"] = s.Chosen,
        ["chosen_accuracy"] = s.ChosenAccuracy,
        ["fresh_accuracy"] = s.FreshAccuracy,
        ["fresh_logme"] = Json(s.FreshLogMe),
        ["fresh_held_out"] = Json(s.FreshHeldOut),
        ["fresh_diverged"] = s.FreshDiverged,
        ["tau_logme"] = Json(s.TauLogMe),
        ["tau_held_out"] = Json(s.TauHeldOut),
        ["tau_recorded_score"] = Json(s.TauRecorded),
        ["tie_ceiling"] = Json(s.TieCeiling),
        ["fell_back"] = s.FellBack,
        ["candidates"] = new JsonArray(s.Candidates.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["logme"] = Json(c.LogMe),
            ["logme_alone"] = Json(c.LogMeAlone),
            ["held_out"] = Json(c.HeldOut),
            ["start"] = c.Start,
            ["layers"] = c.Layers,
            ["call_seconds"] = c.CallSeconds,
            ["fine_tune_seconds"] = c.FineTuneSeconds,
            ["accuracy"] = c.Accuracy,
            ["recorded_score"] = c.RecordedScore,
            ["diverged"] = c.Diverged,
        }).ToArray()),
    };

    /// <summary>JSON has no NaN or infinity: they are written as null.</summary>
    private static JsonNode? Json(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    /// <summary>0 for the largest value, ties broken by position.</summary>
    private static int[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderByDescending(i => values[i]).ToArray();
        var ranks = new int[order.Length];
        for (int r = 0; r < order.Length; r++) ranks[order[r]] = r;
        return ranks;
    }

    private static string Describe(IReadOnlyDictionary<string, string> args) => string.Join(", ", args.Select(a => $"{a.Key} {a.Value}"));

    private static string Spread(IReadOnlyList<double> values) =>
        values.Count == 0 ? "-" : values.Any(double.IsNaN) ? "n/a (" + string.Join(", ", values.Select(F3)) + ")"
            : $"{F3(Statistics.Median(values))} [{F3(values.Min())}, {F3(values.Max())}]";

    private static string F3(double v) => double.IsNaN(v) ? "n/a" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("0.000", CultureInfo.InvariantCulture);
}
