using Graft.Pool.Transfer;

namespace Graft.Pool;

/// <summary>How <see cref="PretrainingPool.GetPretrainedModel{T}(T, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, PretrainOptions?)"/> chooses an initialisation.</summary>
public sealed record PretrainOptions
{
    /// <summary>Train from scratch: keep the model's fresh initialisation and consult no pool entry (the explicit opt-out).</summary>
    public bool FromScratch { get; init; }

    /// <summary>
    /// The time the call may take; candidates not reached within it are listed as skipped and distillation stops at it.
    /// Null: a tenth of the planned training time (at least <see cref="MinimumBudget"/>) when <see cref="PlannedEpochs"/>
    /// is set, else no limit.
    /// </summary>
    public TimeSpan? Budget { get; init; }

    /// <summary>
    /// The epochs the model will be trained for after this call, in batches of <see cref="PlannedBatchSize"/>: with no
    /// <see cref="Budget"/>, the call takes at most a tenth of that training's time, estimated from one timed training
    /// step on <c>x</c> (the budget run files use). Null: no planned training is known.
    /// </summary>
    public int? PlannedEpochs { get; init; }

    /// <summary>The batch size of the planned training (see <see cref="PlannedEpochs"/>).</summary>
    public int PlannedBatchSize { get; init; } = 128;

    /// <summary>
    /// The least budget a planned training of at least one epoch gives the call (see <see cref="PlannedEpochs"/>): a tenth
    /// of a short training may not even cover loading and scoring one candidate, whose cost does not shrink with the
    /// training, and the pool would then be skipped. An explicit <see cref="Budget"/> is taken as given. Zero: exactly a tenth.
    /// </summary>
    public TimeSpan MinimumBudget { get; init; } = PretrainingPool.DefaultMinimumBudget;

    /// <summary>The fraction of <c>x, y</c> held out to score candidates (a seeded split; see <see cref="PretrainingPool.Split"/>).</summary>
    public double HeldOutFraction { get; init; } = 0.2;

    /// <summary>At most this many held-out samples are scored (the rest of the slice is not needed to rank a few candidates).</summary>
    public int MaxHeldOutSamples { get; init; } = 1000;

    /// <summary>At most this many pool entries are loaded, transferred and ranked.</summary>
    public int MaxCandidates { get; init; } = 10;

    /// <summary>How many of the best-ranked candidates are scored on the held-out slice (the fresh initialisation always is).</summary>
    public int ScoredCandidates { get; init; } = 3;

    /// <summary>Rank candidates by LogME on their penultimate features before scoring the best few (false: score in retrieval order).</summary>
    public bool RankByTransferability { get; init; } = true;

    /// <summary>Fit a new or re-initialised linear head by ridge regression on the transferred features (linear probing).</summary>
    public bool FitHead { get; init; } = true;

    /// <summary>How many training samples (outside the held-out slice) feed linear probing and LogME.</summary>
    public int RankingSamples { get; init; } = 500;

    /// <summary>The seed of the held-out split.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Consult exactly these entries (<c>pool:name@version</c>) instead of retrieving candidates — to reproduce an
    /// earlier call from its <see cref="Transfer.TransferReport.Consulted"/> list after the pool has grown.
    /// </summary>
    public IReadOnlyList<string>? Candidates { get; init; }

    /// <summary>The rules tried per layer, in order (null: <see cref="TransferRules.CrossArchitecture"/>).</summary>
    public IReadOnlyList<ITransferRule>? Rules { get; init; }

    /// <summary>
    /// Distil when no transfer beats the fresh initialisation: the best pool model of the same task (rebuilt from its
    /// builder) teaches the fresh model through its outputs on <c>x</c> (soft targets), within <see cref="DistillationBudget"/>.
    /// </summary>
    public bool Distill { get; init; } = true;

    /// <summary>
    /// The time distillation may take (and at most <see cref="DistillationEpochs"/> passes over the training part); it
    /// never runs past the call's <see cref="Budget"/>. Null: what remains of the call's budget, or 30 s when the call
    /// has none.
    /// </summary>
    public TimeSpan? DistillationBudget { get; init; }

    /// <summary>At most this many passes over the training part of <c>x, y</c> when distilling.</summary>
    public int DistillationEpochs { get; init; } = 5;

    /// <summary>
    /// Distil from exactly this entry (<c>pool:name@version</c>) when no transfer beats the fresh initialisation — to
    /// reproduce an earlier call from its <see cref="Transfer.TransferReport.Teacher"/>. Implies <see cref="Distill"/>.
    /// </summary>
    public string? Teacher { get; init; }

    /// <summary>
    /// When set, distillation makes exactly this many optimizer steps whatever the time (the
    /// <see cref="Transfer.TransferReport.DistillationSteps"/> of the call being reproduced).
    /// </summary>
    public int? DistillationSteps { get; init; }

    /// <summary>How layers are paired (null: <see cref="DynamicProgrammingAligner"/>).</summary>
    public ILayerAligner? Aligner { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (HeldOutFraction is <= 0 or >= 1) throw new ArgumentException($"HeldOutFraction must be between 0 and 1 (exclusive); it is {HeldOutFraction}.");
        if (MaxHeldOutSamples < 1) throw new ArgumentException($"MaxHeldOutSamples must be at least 1; it is {MaxHeldOutSamples}.");
        if (MaxCandidates < 0) throw new ArgumentException($"MaxCandidates must not be negative; it is {MaxCandidates}.");
        if (ScoredCandidates < 1) throw new ArgumentException($"ScoredCandidates must be at least 1; it is {ScoredCandidates}.");
        if (RankingSamples < 2) throw new ArgumentException($"RankingSamples must be at least 2; it is {RankingSamples}.");
        if (DistillationSteps is < 0) throw new ArgumentException($"DistillationSteps must not be negative; it is {DistillationSteps}.");
        if (PlannedEpochs is < 0) throw new ArgumentException($"PlannedEpochs must not be negative; it is {PlannedEpochs}.");
        if (PlannedBatchSize < 1) throw new ArgumentException($"PlannedBatchSize must be at least 1; it is {PlannedBatchSize}.");
        if (DistillationBudget is { } d && d < TimeSpan.Zero) throw new ArgumentException($"DistillationBudget must not be negative; it is {d}.");
        if (MinimumBudget < TimeSpan.Zero) throw new ArgumentException($"MinimumBudget must not be negative; it is {MinimumBudget}.");
        if (Budget is { } b && b < TimeSpan.Zero) throw new ArgumentException($"Budget must not be negative; it is {b}.");
    }
}

/// <summary>What <see cref="PretrainingPool.AddModel(TorchSharp.torch.nn.Module{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, string, AddModelOptions?)"/> records besides the model.</summary>
public sealed record AddModelOptions
{
    /// <summary>
    /// The fraction of <c>x, y</c> the metrics are measured on: the held-out part of <see cref="PretrainingPool.Split"/>
    /// with <see cref="Seed"/>. Train the model on the split's other part, so the metrics never come from data it saw.
    /// </summary>
    public double HeldOutFraction { get; init; } = 0.2;

    /// <summary>The seed of the held-out split.</summary>
    public long Seed { get; init; }

    /// <summary>The catalog builder that makes the architecture (e.g. <c>small_cnn</c>), when known.</summary>
    public string? Builder { get; init; }

    /// <summary>The builder's arguments, so the pool can build the architecture again (e.g. to distil from it).</summary>
    public IReadOnlyDictionary<string, object> BuilderArgs { get; init; } = new Dictionary<string, object>();

    /// <summary>The recipe that produced the model (e.g. a resolved run file's text).</summary>
    public string? Recipe { get; init; }

    /// <summary>The entry or weights the model was initialised from.</summary>
    public string? Lineage { get; init; }

    /// <summary>Free tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (HeldOutFraction is <= 0 or >= 1) throw new ArgumentException($"HeldOutFraction must be between 0 and 1 (exclusive); it is {HeldOutFraction}.");
    }
}
