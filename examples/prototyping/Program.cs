// The seed's prototyping workflow on Fashion-MNIST: every prototype starts from the pool, never from zero.
//
//   dotnet run -c Release --project examples/prototyping                 # full data, prints the README's table
//   dotnet run -c Release --project examples/prototyping -- --limit 3000 # a quick look
//
// Prototype 1 (a small CNN) is trained and added to a new pool. Prototype 2 (the same family, wider and deeper) and
// prototype 3 (another family: ResNet-8) are initialised by the pool; each is then trained until it passes the best
// test accuracy so far, and so is the same architecture from scratch. Last, a model trained on five classes is the
// only entry of a second pool, and a target of 500 labels on the five classes it never saw starts from it.
using System.Globalization;
using Graft.Data.Catalog;
using Graft.Examples.Prototyping;
using Graft.Models.Blocks;
using Graft.Models.Builders;
using Graft.Pool;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var settings = Settings.Parse(args);
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
var rows = new List<Row>();

// Prototype 1: a small CNN. The pool is empty, so GetPretrainedModel keeps the fresh model (its head fitted).
var p1 = pool.GetPretrainedModel(Build(1), x, y);
var p1Fit = lab.TrainFor(p1, settings.FirstEpochs);
pool.AddModel(p1, x, y, "prototype-1", new AddModelOptions { Builder = "small_cnn", BuilderArgs = Args(1) });
rows.Add(new Row("1", Describe(1), double.NaN, double.NaN, p1Fit.Accuracy, p1Fit.Epochs, p1Fit.Seconds, double.NaN, 0, double.NaN, ""));
double best = p1Fit.Accuracy;

foreach (int prototype in new[] { 2, 3 })
{
    manual_seed(prototype);
    // The pool may take a tenth of the training planned for the prototype (estimated from one timed step).
    var model = pool.GetPretrainedModel(Build(prototype), x, y, out var report, new PretrainOptions { PlannedEpochs = settings.MaxEpochs });
    Console.WriteLine(report);
    double start = lab.Accuracy(model);
    manual_seed(prototype);
    var fitted = pool.GetPretrainedModel(Build(prototype), x, y, new PretrainOptions { Candidates = [], Distill = false });
    double freshFitted = lab.Accuracy(fitted);
    var pooled = lab.TrainUntil(model, best);
    manual_seed(prototype);
    var scratch = lab.TrainUntil(Build(prototype), best);
    pool.AddModel(model, x, y, $"prototype-{prototype}", new AddModelOptions { Builder = prototype == 3 ? "resnet8" : "small_cnn", BuilderArgs = Args(prototype) });
    rows.Add(new Row(prototype.ToString(CultureInfo.InvariantCulture), Describe(prototype), start, freshFitted, pooled.Accuracy, pooled.Epochs, pooled.Seconds,
        scratch.Accuracy, scratch.Epochs, scratch.Seconds, report.Chosen, report.Elapsed.TotalSeconds));
    best = Math.Max(best, pooled.Accuracy);
}

Console.WriteLine();
Console.WriteLine($"Prototyping on Fashion-MNIST ({xTrain.shape[0]:N0} training images, {xTest.shape[0]:N0} test images, {settings.Threads} threads); " +
                  "epochs (measured every quarter) until the best test accuracy so far is passed (at most " + settings.MaxEpochs + "); " +
                  "the pool's time includes GetPretrainedModel's");
Console.WriteLine();
Console.WriteLine("| Prototype | Before training: from the pool | Fresh, head fitted | From the pool: accuracy, epochs (s) | From scratch: accuracy, epochs (s) | Started from |");
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
    1 => new SmallCnn(width: 8, hidden: 32),
    2 => new SmallCnn(width: 16, hidden: 64, depth: 2),
    _ => new ResNet(8, inputChannels: 1, classes: 10, width: 16),
};

static Dictionary<string, object> Args(int prototype) => prototype switch
{
    1 => new() { ["width"] = 8, ["hidden"] = 32 },
    2 => new() { ["width"] = 16, ["hidden"] = 64, ["depth"] = 2 },
    _ => new() { ["width"] = 16 },
};

static string Describe(int prototype) => prototype switch
{
    1 => "SmallCnn width 8, hidden 32",
    2 => "SmallCnn width 16, hidden 64, depth 2 (wider and deeper)",
    _ => "ResNet-8 width 16 (another family)",
};

namespace Graft.Examples.Prototyping
{
    /// <summary>The command line.</summary>
    internal sealed record Settings(string Pool, long? Limit, int FirstEpochs, int MaxEpochs, int UnseenEpochs, int Threads)
    {
        public static Settings Parse(string[] args)
        {
            var s = new Settings("runs/prototyping/pool", null, 3, 8, 30, 2);
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                s = args[i] switch
                {
                    "--pool" => s with { Pool = value },
                    "--limit" => s with { Limit = long.Parse(value, CultureInfo.InvariantCulture) },
                    "--first-epochs" => s with { FirstEpochs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--max-epochs" => s with { MaxEpochs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--unseen-epochs" => s with { UnseenEpochs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--threads" => s with { Threads = int.Parse(value, CultureInfo.InvariantCulture) },
                    _ => throw new ArgumentException($"unknown option {args[i]}; the options are --pool, --limit, --first-epochs, --max-epochs, --unseen-epochs, --threads."),
                };
                i++;
            }

            return s;
        }
    }

    /// <summary>One prototype's line of the table.</summary>
    internal sealed record Row(string Prototype, string Model, double Start, double FreshFitted, double Accuracy, double Epochs, double Seconds,
        double ScratchAccuracy, double ScratchEpochs, double ScratchSeconds, string Source, double InitSeconds = double.NaN)
    {
        public string Markdown() =>
            $"| {Prototype}: {Model} | {F(Start)} | {F(FreshFitted)} | {Accuracy:F4}, {Epochs:0.##} " +
            (double.IsNaN(InitSeconds) ? $"({Seconds:F0} s) | " : $"({Seconds + InitSeconds:F0} s, {InitSeconds:F0} s of it pretraining) | ") +
            (double.IsNaN(ScratchAccuracy) ? "— | " : $"{ScratchAccuracy:F4}, {ScratchEpochs:0.##} ({ScratchSeconds:F0} s) | ") +
            (Source.Length == 0 ? "fresh (empty pool)" : Source) + " |";

        private static string F(double v) => double.IsNaN(v) ? "—" : v.ToString("F4", CultureInfo.InvariantCulture);
    }
}
