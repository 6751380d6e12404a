// The seed's prototyping workflow on Fashion-MNIST: every prototype starts from the pool, never from zero.
//
//   dotnet run -c Release --project examples/prototyping                 # all 60,000 training images
//   dotnet run -c Release --project examples/prototyping -- --limit 3000 # a quick look
//
// Prototype 1 (a small perceptron) is trained and added to a new pool. Prototype 2 (the same family, wider and deeper)
// and prototype 3 (another family: a CNN, which no perceptron layer fits, so the pool distils into it) are initialised
// by the pool, trained, and added in turn; the same architectures train from scratch beside them, and the table shows
// when each first passes the previous prototype's accuracy. Last, a model trained on five classes is the only entry
// of a second pool, and a target of 500 labels on the five classes it never saw starts from it.
using System.Globalization;
using Graft.Data.Catalog;
using Graft.Examples.Prototyping;
using Graft.Models.Builders;
using Graft.Pool;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Settings settings;
try
{
    settings = Settings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

torch.set_num_threads(settings.Threads);

Console.WriteLine($"Loading Fashion-MNIST{(settings.Limit is { } l ? $" (first {l} training images)" : "")}...");
using var train = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Limit = settings.Limit });
using var test = FashionMnist.Load(FashionMnistSplit.Test);
var (x, y) = (train.Feature("image"), train.Label("label").Values);
var (xTest, yTest) = (test.Feature("image"), test.Label("label").Values);

// The pool measures every entry on a held-out slice of x it never trains on: train on split.Train only.
var split = PretrainingPool.Split(x.shape[0]);
using var trainIndex = tensor(split.Train);
using var xTrain = x.index_select(0, trainIndex);
using var yTrain = y.index_select(0, trainIndex);
var lab = new Lab(settings, xTrain, yTrain, xTest, yTest);

if (Directory.Exists(settings.Pool)) Directory.Delete(settings.Pool, recursive: true);
using var pool = new PretrainingPool(settings.Pool);

// Prototype 1: a small perceptron. The pool is empty, so GetPretrainedModel keeps the fresh model (its head fitted).
var p1 = pool.GetPretrainedModel(Build(1), x, y);
var p1Fit = lab.TrainFor(p1, settings.FirstEpochs);
pool.AddModel(p1, x, y, "prototype-1", new AddModelOptions { Builder = "mlp", BuilderArgs = Args(1) });
var rows = new List<Row> { new("1", Describe(1), "fresh (empty pool)", double.NaN, double.NaN, double.NaN, null, null, 0, p1Fit.Accuracy, double.NaN, settings.FirstEpochs) };
double previous = p1Fit.Accuracy;

foreach (int prototype in new[] { 2, 3 })
{
    manual_seed(prototype);
    // The pool may take a tenth of the training planned for the prototype (estimated from one timed step).
    var model = pool.GetPretrainedModel(Build(prototype), x, y, out var report, new PretrainOptions { PlannedEpochs = settings.Epochs });
    Console.WriteLine(report);
    manual_seed(prototype);
    var fitted = pool.GetPretrainedModel(Build(prototype), x, y, new PretrainOptions { Candidates = [], Distill = false });
    double freshFitted = lab.Accuracy(fitted);
    var pooled = lab.TrainPassing(model, previous);
    manual_seed(prototype);
    var scratch = lab.TrainPassing(Build(prototype), previous);
    pool.AddModel(model, x, y, $"prototype-{prototype}", new AddModelOptions { Builder = prototype == 3 ? "small_cnn" : "mlp", BuilderArgs = Args(prototype) });
    rows.Add(new Row(prototype.ToString(CultureInfo.InvariantCulture), Describe(prototype), report.Chosen, previous, pooled.Start, freshFitted,
        pooled.Epochs, scratch.Epochs, report.Elapsed.TotalSeconds, pooled.Final, scratch.Final, settings.Epochs, scratch.Start,
        pooled.Seconds is { } ps ? ps + report.Elapsed.TotalSeconds : null, scratch.Seconds));
    previous = pooled.Final;
}

Console.WriteLine();
Console.WriteLine($"Prototyping on Fashion-MNIST ({xTrain.shape[0]:N0} training images, {xTest.shape[0]:N0} test images, {settings.Threads} threads): " +
                  $"prototype 1 trains {settings.FirstEpochs} epochs, the others {settings.Epochs} from the pool and from scratch; the test accuracy is measured every quarter epoch");
Console.WriteLine();
Console.WriteLine("| Prototype | Started from | Previous best | Before training: pool / fresh, head fitted / scratch | Epochs (seconds) to pass the previous best: pool / scratch | After training: pool / scratch |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var r in rows) Console.WriteLine(r.Markdown());

// A target on classes the pool never saw: 500 labels of classes 5-9, from a model trained on classes 0-4 only.
Console.WriteLine();
var unseen = lab.UnseenClasses(Path.Combine(settings.Pool, "..", "unseen-pool"), x, y);
Console.WriteLine($"Unseen classes (a SmallCnn trained on classes 0-4 of {unseen.SourceImages:N0} images is the pool; the target has {unseen.Labels} labels of classes 5-9, tested on {unseen.TestImages:N0}):");
Console.WriteLine();
Console.WriteLine("| Start | Before training | Best (epoch) | Epochs to reach scratch's best |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine($"| From the pool ({unseen.Chosen}) | {unseen.Pool.Start:F4} | {unseen.Pool.Best:F4} ({unseen.Pool.BestEpoch}) | {Until(unseen.PoolEpochsToScratchBest, settings.UnseenEpochs)} |");
Console.WriteLine($"| From scratch | {unseen.Scratch.Start:F4} | {unseen.Scratch.Best:F4} ({unseen.Scratch.BestEpoch}) | {unseen.Scratch.BestEpoch} |");
return 0;

static string Until(int? epochs, int max) => epochs is { } e ? e.ToString(CultureInfo.InvariantCulture) : $"not within {max}";

static nn.Module<Tensor, Tensor> Build(int prototype) => prototype switch
{
    1 => new Mlp(28 * 28, 10, [64]),
    2 => new Mlp(28 * 28, 10, [256, 256]),
    _ => new SmallCnn(width: 16, hidden: 64, depth: 2),
};

static Dictionary<string, object> Args(int prototype) => prototype switch
{
    1 => new() { ["hidden"] = new[] { 64 } },
    2 => new() { ["hidden"] = new[] { 256, 256 } },
    _ => new() { ["width"] = 16, ["hidden"] = 64, ["depth"] = 2 },
};

static string Describe(int prototype) => prototype switch
{
    1 => "MLP, hidden 64",
    2 => "MLP, hidden 256 and 256 (wider and deeper)",
    _ => "SmallCnn width 16, hidden 64, depth 2 (another family)",
};

namespace Graft.Examples.Prototyping
{
    /// <summary>The command line.</summary>
    internal sealed record Settings(string Pool, long? Limit, int FirstEpochs, int Epochs, int UnseenEpochs, int Threads)
    {
        public static Settings Parse(string[] args)
        {
            var s = new Settings("runs/prototyping/pool", null, 3, 5, 30, 2);
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                s = args[i] switch
                {
                    "--pool" => s with { Pool = value },
                    "--limit" => s with { Limit = Number(args[i], value) },
                    "--first-epochs" => s with { FirstEpochs = (int)Number(args[i], value) },
                    "--epochs" => s with { Epochs = (int)Number(args[i], value) },
                    "--unseen-epochs" => s with { UnseenEpochs = (int)Number(args[i], value) },
                    "--threads" => s with { Threads = (int)Number(args[i], value) },
                    _ => throw new ArgumentException($"unknown option {args[i]}; the options are --pool, --limit, --first-epochs, --epochs, --unseen-epochs, --threads."),
                };
                i++;
            }

            return s;
        }

        private static long Number(string option, string value) =>
            long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n is >= 1 and <= int.MaxValue
                ? n
                : throw new ArgumentException($"{option} needs a whole number of at least 1; it got '{value}'.");
    }

    /// <summary>One prototype's line of the table.</summary>
    internal sealed record Row(string Prototype, string Model, string Source, double Previous, double Start, double FreshFitted,
        double? PoolEpochs, double? ScratchEpochs, double PretrainSeconds, double Final, double ScratchFinal, int Epochs, double ScratchStart = double.NaN,
        double? PoolSeconds = null, double? ScratchSeconds = null)
    {
        public string Markdown() =>
            $"| {Prototype}: {Model} | {Source} | {F(Previous)} | " +
            (double.IsNaN(Start) ? "— | — | " : $"**{Start:F4}** / {FreshFitted:F4} / {ScratchStart:F4} | **{E(PoolEpochs)}** ({S(PoolSeconds)}, {PretrainSeconds:F0} s of it in the pool) / {E(ScratchEpochs)} ({S(ScratchSeconds)}) | ") +
            $"{Final:F4} / {F(ScratchFinal)} after {Epochs} epochs |";

        private string E(double? epochs) => epochs is { } e ? e.ToString("0.##", CultureInfo.InvariantCulture) : $"not in {Epochs}";

        private static string S(double? seconds) => seconds is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) + " s" : "—";

        private static string F(double v) => double.IsNaN(v) ? "—" : v.ToString("F4", CultureInfo.InvariantCulture);
    }
}
