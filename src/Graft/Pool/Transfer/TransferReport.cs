using System.Globalization;
using System.Text;

namespace Graft.Pool.Transfer;

/// <summary>How one candidate fared: its reference, its held-out score once transferred, and how much it supplied.</summary>
/// <param name="Reference">The pool reference (<c>pool:name@version</c>), or <c>fresh initialisation</c>.</param>
/// <param name="Score">The held-out score of the model initialised from it (higher is better), or NaN when it was not scored.</param>
/// <param name="Loss">The held-out loss (tie-breaker: lower is better), or NaN.</param>
/// <param name="LayersTransferred">How many target layers a rule filled from it.</param>
/// <param name="Seconds">Time spent on it (loading, transfer, scoring).</param>
/// <param name="Note">Why it was chosen, skipped or refused.</param>
public sealed record CandidateScore(string Reference, double Score, double Loss, int LayersTransferred, double Seconds, string Note)
{
    /// <summary>The LogME transferability of the candidate's penultimate features for the target labels (higher is better), or NaN when not measured.</summary>
    public double Transferability { get; init; } = double.NaN;
}

/// <summary>A pool entry a call consulted: its reference and the SHA-256 of its weights.</summary>
/// <param name="Reference">The entry (<c>pool:name@version</c>).</param>
/// <param name="WeightsSha256">The digest of its weights.</param>
public sealed record ConsultedEntry(string Reference, string WeightsSha256);

/// <summary>
/// What <see cref="PretrainingPool.GetPretrainedModel{T}(T, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, PretrainOptions?)"/>
/// did: the chosen source, the per-layer table (rule, source layer, shapes), every candidate's score, and the time spent.
/// </summary>
public sealed record TransferReport
{
    /// <summary>The name the report gives a fresh initialisation.</summary>
    public const string Fresh = "fresh initialisation";

    /// <summary>The chosen source: a pool reference, or <see cref="Fresh"/>.</summary>
    public required string Chosen { get; init; }

    /// <summary>The metric scores are measured in (<c>accuracy</c>, or <c>-mse</c> for values).</summary>
    public required string Metric { get; init; }

    /// <summary>The number of held-out samples every candidate was scored on.</summary>
    public int HeldOutSamples { get; init; }

    /// <summary>What each target layer received from the chosen source (empty when the fresh initialisation was kept).</summary>
    public IReadOnlyList<LayerTransfer> Layers { get; init; } = [];

    /// <summary>Every candidate considered, the fresh initialisation first.</summary>
    public IReadOnlyList<CandidateScore> Candidates { get; init; } = [];

    /// <summary>The pool entries consulted, with their weights' digests: pass the references as <see cref="PretrainOptions.Candidates"/> to repeat the call.</summary>
    public IReadOnlyList<ConsultedEntry> Consulted { get; init; } = [];

    /// <summary>The entry that taught the chosen model by distillation, with its weights' digest; null when none did.</summary>
    public ConsultedEntry? Teacher { get; init; }

    /// <summary>The optimizer steps the distillation made (0 when none): pass as <see cref="PretrainOptions.DistillationSteps"/> to repeat it.</summary>
    public int DistillationSteps { get; init; }

    /// <summary>The wall-clock time of the whole call.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The budget the call had (given, or a tenth of the planned training time); null when it had none.</summary>
    public TimeSpan? Budget { get; init; }

    /// <summary>Why this outcome, in one sentence (e.g. <c>trained from scratch by request</c>).</summary>
    public string Summary { get; init; } = "";

    /// <summary>The score of the chosen initialisation.</summary>
    public double ChosenScore => Candidates.FirstOrDefault(c => c.Reference == Chosen)?.Score ?? double.NaN;

    /// <summary>The report as text: summary, candidates and the per-layer table.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Summary} ({Elapsed.TotalSeconds:0.00} s{(Budget is { } b ? $" of a {b.TotalSeconds:0.0} s budget" : "")}, {HeldOutSamples} held-out samples, metric {Metric})");
        foreach (var c in Candidates)
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(c.Reference == Chosen ? "*" : " ")} {c.Reference,-32} {Format(c.Score),9} loss {Format(c.Loss),8}  LogME {Format(c.Transferability),8}  {c.LayersTransferred,3} layers  {c.Seconds,6:0.00} s  {c.Note}");
        foreach (var l in Layers)
            text.AppendLine(CultureInfo.InvariantCulture, $"    {l.TargetLayer,-24} {l.TargetType,-12} {l.Rule,-20} {l.SourceLayer ?? "-",-24} {l.SourceShape,-18} -> {l.TargetShape,-18} {l.Note}");
        return text.ToString();
    }

    private static string Format(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0000", CultureInfo.InvariantCulture);
}
