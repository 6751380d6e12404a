using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Graft.Bench.Pools;
using Graft.Data.Catalog;
using Graft.Models.Builders;
using Graft.Models.Catalog;
using Graft.Pool;
using Graft.Pool.Signatures;
using Graft.Pool.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Bench.Studies;

/// <summary>
/// How <see cref="PretrainingPool.GetPretrainedModel{T}(T, Tensor, Tensor, out Graft.Pool.Transfer.TransferReport, PretrainOptions?)"/>
/// scales with the pool: the whole call (retrieval, transfer, ranking and scoring of a fixed number of top candidates)
/// on pools of 10, 1,000 and 10,000 entries that hold the same five trained candidates, the rest generated.
/// </summary>
internal sealed class PoolScaleStudy : IStudy
{
    private const int ThreadCount = 2;
    private const double TargetRatio = 1.5;
    private const int MaxCandidates = 5;
    private const int ScoredCandidates = 3;
    private const long TargetSeed = 7;
    private const int FillSeed = 11;
    private const int QueryRepetitions = 20;
    private const int BatchSize = 128;
    private const double Mb = 1024.0 * 1024.0;

    private static readonly int[] FullSizes = [10, 1_000, 10_000];

    /// <summary>A quick run builds smaller pools: it checks the harness, not the target.</summary>
    private static readonly int[] QuickSizes = [10, 100, 1_000];

    /// <summary>The trained entries every pool holds, in the order they are added: the candidates the target should retrieve.</summary>
    private static readonly CoreSpec[] Core =
    [
        new("fashion-cnn", "small_cnn", new Dictionary<string, object>(), 1, "same architecture"),
        new("fashion-cnn", "small_cnn", new Dictionary<string, object>(), 2, "same architecture (version 2)"),
        new("fashion-cnn-narrow", "small_cnn", new Dictionary<string, object> { ["width"] = 16L, ["hidden"] = 64L }, 3, "same layers, other sizes"),
        new("fashion-cnn-deep", "small_cnn", new Dictionary<string, object> { ["width"] = 16L, ["depth"] = 2L }, 4, "other architecture, same input shape"),
        new("fashion-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 128L } }, 5, "other architecture, same input shape"),
    ];

    /// <summary>
    /// The generated kinds: CNNs, ResNet-8s and MLPs on Fashion-MNIST-like 1x28x28 inputs, CIFAR-like and other image
    /// sizes, tabular data and regressions. Every SmallCnn, whatever its input, shares the target's layer family, so the
    /// target's query matches those kinds and the 1x28x28 ones; <see cref="EntryTemplate.MatchesTarget"/> says which.
    /// </summary>
    internal static readonly EntryKind[] Kinds =
    [
        new("fashion-cnn-w24", "small_cnn", new Dictionary<string, object> { ["width"] = 24L, ["hidden"] = 96L }, [1, 28, 28], 10),
        new("fashion-cnn-w48", "small_cnn", new Dictionary<string, object> { ["width"] = 48L, ["hidden"] = 256L }, [1, 28, 28], 10),
        new("boots-cnn", "small_cnn", new Dictionary<string, object> { ["width"] = 16L, ["hidden"] = 64L }, [1, 28, 28], 2),
        new("fashion-mlp-256", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 256L } }, [1, 28, 28], 10),
        new("digits-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 128L, 64L } }, [1, 28, 28], 10),
        new("fashion-resnet8", "resnet8", new Dictionary<string, object>(), [1, 28, 28], 10),
        new("cifar10-cnn", "small_cnn", new Dictionary<string, object>(), [3, 32, 32], 10),
        new("cifar100-cnn", "small_cnn", new Dictionary<string, object> { ["width"] = 48L }, [3, 32, 32], 100),
        new("cifar10-resnet8", "resnet8", new Dictionary<string, object>(), [3, 32, 32], 10),
        new("letters-cnn", "small_cnn", new Dictionary<string, object> { ["width"] = 16L }, [1, 32, 32], 26),
        new("xray-cnn", "small_cnn", new Dictionary<string, object> { ["width"] = 16L, ["hidden"] = 64L }, [1, 64, 64], 2),
        new("iris-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 16L } }, [4], 3),
        new("wine-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 32L } }, [13], 3),
        new("cancer-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 64L, 32L } }, [30], 2),
        new("housing-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 64L } }, [8], 1, Values: true),
        new("sensor-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 32L } }, [20], 3, Values: true),
    ];

    public string Name => "pool-scale";

    public string Title => "Pool scale: the whole GetPretrainedModel call on pools of 10, 1,000 and 10,000 entries";

    public int Threads => ThreadCount;

    public StudyOutcome Run(BenchOptions options, TextWriter log)
    {
        set_num_threads(ThreadCount);
        var total = Stopwatch.StartNew();
        int[] sizes = options.Quick ? QuickSizes : FullSizes;
        int coreSamples = (int)Math.Min(options.Quick ? 256 : 3_000, options.Limit ?? long.MaxValue);
        int coreEpochs = options.Quick ? 1 : 2;
        int targetSamples = (int)Math.Min(options.Quick ? 256 : 1_000, options.Limit ?? long.MaxValue);
        // Download = false: never write into the user's cache; the error names the Debian package when the data is absent.
        using var coreData = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = coreSamples, Download = false });
        using var targetData = FashionMnist.Load(FashionMnistSplit.Test, new FashionMnistOptions { Limit = targetSamples, Download = false });
        var (coreX, coreY) = (coreData.Feature("image"), coreData.Label("label").Values);
        var (targetX, targetY) = (targetData.Feature("image"), targetData.Label("label").Values);

        ArchitectureSignature targetSignature;
        using (var probe = NewTarget())
        using (var sample = targetX.narrow(0, 0, 2))
            targetSignature = ArchitectureSignature.Trace(probe, sample);
        var templates = Kinds.Select((k, i) => GeneratedEntries.Prepare(k, targetSignature, [1, 28, 28], seed: 100 + i)).ToList();
        var query = new PoolQuery(ArchitectureHash: targetSignature.Hash, FamilyHash: targetSignature.FamilyHash, InputShape: "1x28x28", Limit: MaxCandidates);
        var pretrain = new PretrainOptions { MaxCandidates = MaxCandidates, ScoredCandidates = ScoredCandidates, Distill = false };

        var scratch = Directory.CreateTempSubdirectory("graft-bench-pool-scale-").FullName;
        var models = new List<CoreModel>();
        var pools = new List<PretrainingPool>();
        try
        {
            log.WriteLine($"[{Name}] training the {Core.Length} pool models on {coreData.Count} Fashion-MNIST images, {coreEpochs} epoch(s) each...");
            var trainWatch = Stopwatch.StartNew();
            foreach (var c in Core) models.Add(TrainCore(c, coreX, coreY, coreEpochs));
            double trainSeconds = trainWatch.Elapsed.TotalSeconds;

            var builds = new List<PoolBuild>();
            foreach (var size in sizes)
            {
                var build = Build(Path.Combine(scratch, size.ToString(CultureInfo.InvariantCulture)), size, models, coreX, coreY, templates);
                builds.Add(build);
                log.WriteLine($"[{Name}] pool of {size:N0}: built in {build.Seconds:0.0} s ({build.CoreSeconds:0.0} s for the {Core.Length} AddModel calls, {build.FillSeconds:0.0} s for {build.Fill.Added:N0} generated entries), " +
                              $"index {build.IndexBytes / Mb:0.00} MB, {build.BlobFiles} files {build.BlobBytes / Mb:0.0} MB; {build.Matching:N0} entries match the query");
            }

            // Open the pools again, as a new process would, and check each retrieves the same candidates.
            foreach (var build in builds) pools.Add(new PretrainingPool(build.Directory));
            var retrieved = Enumerable.Range(0, pools.Count).Select(i => pools[i].Store.Find(query).Select(e => e.Reference).ToList()).ToList();
            for (int i = 0; i < pools.Count; i++)
                if (!retrieved[i].Order(StringComparer.Ordinal).SequenceEqual(builds[i].CoreReferences.Order(StringComparer.Ordinal)))
                    throw new InvalidOperationException($"the pool of {sizes[i]} retrieves {string.Join(", ", retrieved[i])}, not its trained entries {string.Join(", ", builds[i].CoreReferences)}: pool sizes would not do the same work.");
            var queryMs = pools.Select(p => QueryMilliseconds(p.Store, query)).ToList();

            // One warm-up call (JIT, allocators), on the smallest pool: anything still cold afterwards slows the larger pools' calls,
            // against the target. The index query above already read every pool's index.
            log.WriteLine($"[{Name}] target: SmallCnn() on {targetData.Count} test images; warm-up on the pool of {sizes[0]:N0} (not counted)...");
            var warmUp = Call(pools[0], targetX, targetY, pretrain, builds[0]);
            log.WriteLine($"[{Name}] warm-up: {warmUp.Seconds:0.00} s; its report:");
            log.Write(warmUp.Report.ToString());
            var reps = new List<CallMeasurement[]>();
            for (int rep = 0; rep < options.Pairs; rep++)
            {
                // Rotate the order, so a drift in machine load falls on every size alike.
                var calls = new CallMeasurement[sizes.Length];
                for (int j = 0; j < sizes.Length; j++)
                {
                    int i = (j + rep) % sizes.Length;
                    calls[i] = Call(pools[i], targetX, targetY, pretrain, builds[i]);
                }

                reps.Add(calls);
                log.WriteLine($"[{Name}] repetition {rep + 1}/{options.Pairs}: {string.Join(", ", calls.Select((c, i) => $"{sizes[i]:N0}: {c.Seconds:0.00} s"))}; ratio {calls[^1].Seconds / calls[0].Seconds:0.000}");
            }

            return Summarise(options, sizes, templates, coreData.Count, coreEpochs, targetData.Count, trainSeconds, builds, queryMs, warmUp, reps, total.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var p in pools) p.Dispose();
            foreach (var m in models) m.Built.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static SmallCnn NewTarget()
    {
        manual_seed(TargetSeed);
        return new SmallCnn();
    }

    /// <summary>Trains one pool model with Adam on the training part of the pool's split (the held-out part is what AddModel measures on).</summary>
    private static CoreModel TrainCore(CoreSpec spec, Tensor x, Tensor y, int epochs)
    {
        manual_seed(spec.Seed);
        var built = ModelCatalog.Create(spec.Builder, spec.Args, new ModelShapes([1, 28, 28], 10));
        var model = built.AsTensorModule();
        var split = PretrainingPool.Split(x.shape[0]);
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        model.train();
        var generator = new Random((int)spec.Seed);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = split.Train.OrderBy(_ => generator.Next()).ToArray();
            for (int start = 0; start < order.Length; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                var index = tensor(order[start..Math.Min(order.Length, start + BatchSize)], ScalarType.Int64);
                var loss = nn.functional.cross_entropy(model.call(x.index_select(0, index)), y.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }

        model.eval();
        return new CoreModel(spec, built, model);
    }

    /// <summary>Builds one pool: the trained entries through AddModel (as a user would), then the generated ones.</summary>
    private static PoolBuild Build(string directory, int size, IReadOnlyList<CoreModel> models, Tensor x, Tensor y, IReadOnlyList<EntryTemplate> templates)
    {
        var watch = Stopwatch.StartNew();
        List<PoolEntry> core;
        FillResult fill;
        double coreSeconds;
        int matching;
        using (var pool = new PretrainingPool(directory))
        {
            core = models.Select(m => pool.AddModel(m.Model, x, y, m.Spec.Name, new AddModelOptions { Builder = m.Spec.Builder, BuilderArgs = m.Spec.Args, Tags = ["fashion-mnist"] })).ToList();
            coreSeconds = watch.Elapsed.TotalSeconds;
            fill = GeneratedEntries.Fill(pool.Store, templates, size - core.Count, core.Min(e => e.Score), FillSeed);
            matching = core.Count + fill.Matching;
        }

        double seconds = watch.Elapsed.TotalSeconds;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        long indexBytes = Directory.EnumerateFiles(directory, "index.db*").Sum(f => new FileInfo(f).Length);
        var blobs = Directory.EnumerateFiles(Path.Combine(directory, "blobs"), "*", SearchOption.AllDirectories).ToList();
        return new PoolBuild(directory, size, seconds, coreSeconds, seconds - coreSeconds, fill, matching, indexBytes, blobs.Count, blobs.Sum(f => new FileInfo(f).Length),
            core.Select(e => e.Reference).ToList(), core.Select(e => e.Score).ToList());
    }

    /// <summary>The median time of the index query GetPretrainedModel makes (the same <see cref="PoolQuery"/>), in milliseconds.</summary>
    private static double QueryMilliseconds(IPoolStore store, PoolQuery query)
    {
        store.Find(query);
        var times = new List<double>();
        for (int i = 0; i < QueryRepetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            store.Find(query);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return Statistics.Median(times);
    }

    /// <summary>One whole GetPretrainedModel call on a fresh target model (built outside the timed region).</summary>
    private static CallMeasurement Call(PretrainingPool pool, Tensor x, Tensor y, PretrainOptions options, PoolBuild build)
    {
        using var model = NewTarget();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int loadsBefore = pool.WeightLoads;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        pool.GetPretrainedModel(model, x, y, out var report, options);
        double seconds = watch.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        int loads = pool.WeightLoads - loadsBefore;
        var consulted = report.Consulted.Select(c => c.Reference).ToList();
        if (loads != MaxCandidates || !consulted.Order(StringComparer.Ordinal).SequenceEqual(build.CoreReferences.Order(StringComparer.Ordinal)))
            throw new InvalidOperationException($"the call on the pool of {build.Size} loaded {loads} entries and consulted {string.Join(", ", consulted)}, " +
                                                $"not the {MaxCandidates} trained entries {string.Join(", ", build.CoreReferences)}: pool sizes would not do the same work.");
        var chosenScore = report.Candidates.FirstOrDefault(c => c.Reference == report.Chosen)?.Score ?? double.NaN;
        var load = MachineInfo.LoadAverage()?.Split(' ')[0];
        return new CallMeasurement(seconds, cpuSeconds, report.Chosen, chosenScore, loads, double.TryParse(load, CultureInfo.InvariantCulture, out var l) ? l : null, report);
    }

    private StudyOutcome Summarise(BenchOptions options, int[] sizes, IReadOnlyList<EntryTemplate> templates, long coreSamples, int coreEpochs, long targetSamples, double trainSeconds, List<PoolBuild> builds, List<double> queryMs,
        CallMeasurement warmUp, List<CallMeasurement[]> reps, double seconds)
    {
        int last = sizes.Length - 1;
        string small = N(sizes[0]), big = N(sizes[last]);
        var matchingKinds = templates.Where(t => t.MatchesTarget).Select(t => t.Kind.Stem).ToList();
        var otherKinds = templates.Where(t => !t.MatchesTarget).Select(t => t.Kind.Stem).ToList();
        var medians = Enumerable.Range(0, sizes.Length).Select(i => Statistics.Median(reps.Select(r => r[i].Seconds).ToList())).ToList();
        var ratios = reps.Select(r => r[last].Seconds / r[0].Seconds).ToList();
        var middleRatios = reps.Select(r => r[1].Seconds / r[0].Seconds).ToList();
        double medianRatio = Statistics.Median(ratios);
        double maxLoad = reps.SelectMany(r => r).Append(warmUp).Max(c => c.Load ?? 0);
        bool busy = maxLoad > Environment.ProcessorCount + 0.5;
        string verdict = (medianRatio <= TargetRatio ? "PASS" : "FAIL") + (busy ? " (disturbed run: treat with caution)" : "");

        var sizeRows = Enumerable.Range(0, sizes.Length).Select(i =>
        {
            var times = reps.Select(r => r[i].Seconds).ToList();
            var b = builds[i];
            return (IReadOnlyList<string>)
            [
                sizes[i].ToString("N0", CultureInfo.InvariantCulture), b.Matching.ToString("N0", CultureInfo.InvariantCulture),
                F(medians[i], 3), $"{F(times.Min(), 3)}–{F(times.Max(), 3)}", F(medians[i] / medians[0], 3),
                F(Statistics.Median(reps.Select(r => r[i].CpuSeconds).ToList()), 2), F(queryMs[i], 2),
                F(b.Seconds, 1), F(b.IndexBytes / Mb, 2), $"{b.BlobFiles} / {F(b.BlobBytes / Mb, 1)}",
            ];
        }).ToList();
        var repRows = new List<IReadOnlyList<string>>();
        repRows.Add(["warm-up", F(warmUp.Seconds, 3), .. sizes.Skip(1).Select(_ => "–"), "–", warmUp.Load is { } wl ? F(wl, 1) : "?"]);
        repRows.AddRange(reps.Select((r, k) => Row((k + 1).ToString(CultureInfo.InvariantCulture), r)));

        var description =
            $"Pools of {string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} entries, each in its own temporary folder (the embedded store: " +
            $"SQLite index and content-addressed files). Every pool holds the same {Core.Length} trained entries, added with `AddModel` (each trained with Adam for " +
            $"{coreEpochs} epoch(s) on {coreSamples:N0} Fashion-MNIST training images; `AddModel` measures it on the held-out fifth): `SmallCnn()` twice (two versions of one " +
            "name: the target's exact architecture), `SmallCnn(width: 16, hidden: 64)` (same layers, other sizes), `SmallCnn(width: 16, depth: 2)` and an MLP (other " +
            "architectures, same 1x28x28 input). The rest of each pool is generated: entries of " +
            $"{templates.Count} kinds drawn evenly — {matchingKinds.Count} the target's index query also matches by layer family or input shape ({string.Join(", ", matchingKinds)}) and " +
            $"{otherKinds.Count} it does not ({string.Join(", ", otherKinds)}); up to three versions share a name. Each kind's signature is traced from a model " +
            "the catalog builds and its task fingerprint computed from a generated dataset; entries of a kind share that model's weights file and that dataset " +
            "file, as identical content does in the store. They are added through the store's public `IPoolStore.Add` (what `AddModel` ends with), skipping only " +
            "the training and measuring of a model per entry. Generated entries the query matches record scores below the lowest trained entry's, so every pool " +
            $"retrieves the same {MaxCandidates} candidates (the study checks the retrieved and consulted entries, and that exactly {MaxCandidates} weights files are loaded per call).\n\n" +
            $"Measured: the whole `GetPretrainedModel(new SmallCnn(), x, y, out report, options)` call, with x, y the first {targetSamples:N0} Fashion-MNIST test images " +
            $"(`MaxCandidates = {MaxCandidates}`, `ScoredCandidates = {ScoredCandidates}`, `Distill = false`, the rest default: index query, loading and transferring every candidate, " +
            "batch-norm calibration, linear probing of the head, LogME ranking, and scoring the best few and the fresh initialisation on the held-out slice). " +
            "Distillation is off because it runs on its own time budget (30 s by default) whatever the pool size. The target model is built from the same seed " +
            "before each call, outside the timed region. One warm-up call on the smallest pool (after the index query has read every pool's index), then repetitions that call each pool once, rotating the order; the ratio is " +
            $"{big} over {small} within a repetition. The index query alone (the same `PoolQuery`, median of " +
            $"{QueryRepetitions}) is timed separately. CPU seconds are the whole process's." +
            (busy ? $" **This run was disturbed**: the 1-minute load average reached {F(maxLoad, 1)} on {Environment.ProcessorCount} cores." : "");

        var settings = new List<NamedValue>
        {
            new("Pool sizes", string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))),
            new("Trained entries (every pool)", string.Join("; ", Core.Select(c => $"{c.Name} ({c.Builder}{Args(c.Args)}, {c.Relation})"))),
            new("Training of the pool models", $"Adam lr 0.001, batch {BatchSize}, {coreEpochs} epoch(s) on the training part of {coreSamples:N0} Fashion-MNIST training images"),
            new("Generated kinds", string.Join("; ", Kinds.Select(k => $"{k.Stem} ({k.Builder}{Args(k.Args)}, {string.Join("x", k.InputShape)}, {(k.Values ? $"{k.Outputs} value(s)" : $"{k.Outputs} classes")})"))),
            new("Target", $"SmallCnn() (seed {TargetSeed}) on the first {targetSamples:N0} Fashion-MNIST test images" + (options.Smoke ? " (smoke run)" : "")),
            new("PretrainOptions", $"MaxCandidates = {MaxCandidates}, ScoredCandidates = {ScoredCandidates}, Distill = false; others default (RankingSamples {new PretrainOptions().RankingSamples}, MaxHeldOutSamples {new PretrainOptions().MaxHeldOutSamples})"),
            new("Threads", $"torch.set_num_threads({ThreadCount})"),
            new("Repetitions", $"{reps.Count} per pool size (rotating order) after 1 warm-up call on the smallest pool"),
        };

        var summary = new List<NamedValue>
        {
            new($"Median call, {small} entries", $"{F(medians[0], 3)} s"),
            new($"Median call, {N(sizes[1])} entries", $"{F(medians[1], 3)} s"),
            new($"Median call, {big} entries", $"{F(medians[last], 3)} s"),
            new($"Median ratio {big} / {small} (per repetition)", F(medianRatio, 3)),
            new("Ratio spread (min–max)", $"{F(ratios.Min(), 3)}–{F(ratios.Max(), 3)}"),
            new($"Median ratio {N(sizes[1])} / {small}", F(Statistics.Median(middleRatios), 3)),
            new($"Index query, {small} → {big} entries", $"{F(queryMs[0], 2)} → {F(queryMs[last], 2)} ms"),
            new($"Pool build, {big} entries", $"{F(builds[last].Seconds, 1)} s (index {F(builds[last].IndexBytes / Mb, 2)} MB)"),
            new("Chosen initialisation", string.Join(", ", reps.SelectMany(r => r).Append(warmUp).Select(c => c.Chosen).Distinct())),
            new("Highest 1-minute load average", $"{F(maxLoad, 2)} on {Environment.ProcessorCount} cores" + (busy ? " (disturbed)" : "")),
            new("Study wall clock", $"{F(seconds, 0)} s (training the pool models {F(trainSeconds, 0)} s)"),
        };

        var data = new JsonObject
        {
            ["sizes"] = new JsonArray(sizes.Select(s => (JsonNode)s).ToArray()),
            ["max_candidates"] = MaxCandidates,
            ["scored_candidates"] = ScoredCandidates,
            ["core_samples"] = coreSamples,
            ["core_epochs"] = coreEpochs,
            ["target_samples"] = targetSamples,
            ["threads"] = ThreadCount,
            ["target_ratio"] = TargetRatio,
            ["train_seconds"] = trainSeconds,
            ["pools"] = new JsonArray(builds.Select((b, i) => (JsonNode)new JsonObject
            {
                ["size"] = b.Size,
                ["matching"] = b.Matching,
                ["generated"] = b.Fill.Added,
                ["build_seconds"] = b.Seconds,
                ["add_model_seconds"] = b.CoreSeconds,
                ["generate_seconds"] = b.FillSeconds,
                ["index_bytes"] = b.IndexBytes,
                ["blob_files"] = b.BlobFiles,
                ["blob_bytes"] = b.BlobBytes,
                ["core_scores"] = new JsonArray(b.CoreScores.Select(s => (JsonNode)s).ToArray()),
                ["query_ms"] = queryMs[i],
                ["median_seconds"] = medians[i],
            }).ToArray()),
            ["warm_up"] = Call(warmUp),
            ["repetitions"] = new JsonArray(reps.Select(r => (JsonNode)new JsonArray(r.Select(Call).ToArray())).ToArray()),
            ["ratios"] = new JsonArray(ratios.Select(r => (JsonNode)r).ToArray()),
            ["median_ratio"] = medianRatio,
            ["ratio_of_medians"] = medians[last] / medians[0],
            ["max_load_average"] = maxLoad,
            ["disturbed"] = busy,
            ["seconds"] = seconds,
        };

        return new StudyOutcome(
            description,
            settings,
            [
                new ResultTable("Per pool size (seconds per GetPretrainedModel call; x10 = median over the 10-entry pool's; query = the index query alone; build = AddModel of the trained entries plus the generated ones; files = content-addressed files in the pool)",
                    ["Entries", "Matching the query", "Median s", "Min–max s", "x10", "Median CPU s", "Query ms", "Build s", "Index MB", "Files / MB"], sizeRows),
                new ResultTable($"Calls (seconds; load = 1-minute load average after the {big}-entry call, or after the warm-up call)",
                    ["Repetition", .. sizes.Select(s => $"{s:N0} s"), $"{big} / {small}", "Load"], repRows),
            ],
            summary,
            $"median time of the whole call on {big} entries ≤ {TargetRatio.ToString("0.0", CultureInfo.InvariantCulture)}x that on {small} entries" + (options.Quick ? $" (quick run: the full study compares {N(FullSizes[^1])} with {N(FullSizes[0])})" : ""),
            verdict,
            data);

        static JsonNode Call(CallMeasurement c) => new JsonObject
        {
            ["seconds"] = c.Seconds, ["cpu_seconds"] = c.CpuSeconds, ["chosen"] = c.Chosen, ["chosen_score"] = double.IsNaN(c.ChosenScore) ? null : c.ChosenScore,
            ["weight_loads"] = c.WeightLoads, ["load_average"] = c.Load,
        };

        IReadOnlyList<string> Row(string label, IReadOnlyList<CallMeasurement> calls) =>
            [label, .. calls.Select(c => F(c.Seconds, 3)), F(calls[last].Seconds / calls[0].Seconds, 3), calls[last].Load is { } l ? F(l, 1) : "?"];
    }

    private static string Args(IReadOnlyDictionary<string, object> args) =>
        args.Count == 0 ? "" : " " + string.Join(", ", args.Select(a => $"{a.Key}: {(a.Value is List<object> list ? "[" + string.Join(", ", list) + "]" : Convert.ToString(a.Value, CultureInfo.InvariantCulture))}"));

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value, int decimals) => double.IsNaN(value) ? "n/a" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    private sealed record CoreSpec(string Name, string Builder, IReadOnlyDictionary<string, object> Args, long Seed, string Relation);

    private sealed record CoreModel(CoreSpec Spec, BuiltModel Built, nn.Module<Tensor, Tensor> Model);

    private sealed record PoolBuild(string Directory, int Size, double Seconds, double CoreSeconds, double FillSeconds, FillResult Fill, int Matching, long IndexBytes, int BlobFiles, long BlobBytes,
        IReadOnlyList<string> CoreReferences, IReadOnlyList<double> CoreScores);

    private sealed record CallMeasurement(double Seconds, double CpuSeconds, string Chosen, double ChosenScore, int WeightLoads, double? Load, Graft.Pool.Transfer.TransferReport Report);
}
