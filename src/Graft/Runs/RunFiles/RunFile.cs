using Graft.Data;
using Graft.Data.Splits;
using Graft.Training;

namespace Graft.Runs.RunFiles;

/// <summary>The <c>data</c> section: where samples come from and which tensors are labels.</summary>
/// <param name="Source">A known dataset (<c>fashion-mnist</c>, <c>fashion-mnist:test</c>), a file (IDX, CSV, .npy, .npz, .safetensors) or a folder.</param>
/// <param name="Test">An optional separate test source (e.g. <c>fashion-mnist:test</c>); otherwise the test part of the split is used.</param>
/// <param name="Labels">Label names with their declared kind (null: inferred from the values).</param>
/// <param name="Limit">Use only the first N samples of each source (0: all).</param>
public sealed record DataSection(string Source, string? Test, IReadOnlyDictionary<string, LabelKind?> Labels, int Limit)
{
    /// <summary>The features to use: CSV columns (forming the feature matrix) or tensor names; empty: every non-label one.</summary>
    public IReadOnlyList<string> Features { get; init; } = Array.Empty<string>();

    /// <summary>Features standardised to zero mean and unit variance per column, with statistics of the training part.</summary>
    public IReadOnlyList<string> Normalize { get; init; } = Array.Empty<string>();

    /// <summary>
    /// More sources appended to <see cref="Source"/> (runs with flows): their features must match, and a label a source
    /// lacks is missing (mask false) for its samples — datasets labelled for different tasks train one model.
    /// </summary>
    public IReadOnlyList<string> Concat { get; init; } = Array.Empty<string>();

    /// <summary>Image augmentation of training batches, per feature.</summary>
    public IReadOnlyList<AugmentSection> Augment { get; init; } = Array.Empty<AugmentSection>();
}

/// <summary>The augmentation of one image feature (<c>data.augment</c>).</summary>
/// <param name="Feature">The image feature.</param>
/// <param name="CropPadding">Random crop of the original size after zero padding by this many pixels (0: none).</param>
/// <param name="Flip">Probability of a horizontal flip (0: none).</param>
/// <param name="Noise">Standard deviation of Gaussian noise (0: none).</param>
public sealed record AugmentSection(string Feature, int CropPadding, double Flip, double Noise);

/// <summary>The <c>split</c> section.</summary>
/// <param name="Options">Fractions, seed, dev size and stratification.</param>
/// <param name="Reuse">A saved split file to reuse instead of making a new split.</param>
public sealed record SplitSection(SplitOptions Options, string? Reuse);

/// <summary>The <c>logging</c> section.</summary>
/// <param name="RunDirectory">The run directory (default <c>runs/&lt;run file name&gt;</c>).</param>
/// <param name="TensorBoard">Whether to write TensorBoard event files.</param>
/// <param name="Curves">Whether to draw <c>curves.png</c>.</param>
/// <param name="Notes">Free text stored with the run.</param>
public sealed record LoggingSection(string RunDirectory, bool TensorBoard, bool Curves, string? Notes);

/// <summary>One named term of a model's losses or metrics, with the tensors it reads.</summary>
/// <param name="Name">The loss or metric name (e.g. <c>cross_entropy</c>, <c>accuracy</c>).</param>
/// <param name="Weight">The loss weight (1 for metrics).</param>
/// <param name="Inputs">The model output and the label it reads, e.g. <c>[output, label]</c>.</param>
public sealed record TermSection(string Name, double Weight, IReadOnlyList<string> Inputs)
{
    /// <summary>The loss's arguments as written (e.g. <c>label_smoothing: 0.1</c>).</summary>
    public IReadOnlyDictionary<string, object> Args { get; init; } = new Dictionary<string, object>();
}

/// <summary>One entry of <c>models</c>.</summary>
/// <param name="Name">The model's name (its checkpoint and output prefix).</param>
/// <param name="Builder">The builder from the model catalog, e.g. <c>small_cnn</c> or <c>mlp</c>.</param>
/// <param name="Args">The builder's arguments as written (numbers, text or lists), by name.</param>
/// <param name="Inputs">The dataset features fed to the model.</param>
/// <param name="Losses">Its losses (empty: follows from the label kind).</param>
/// <param name="Metrics">Its metrics (empty: the label kind's default).</param>
/// <param name="Line">The line the entry starts on, for error messages.</param>
public sealed record ModelSection(string Name, string Builder, IReadOnlyDictionary<string, object> Args, IReadOnlyList<string> Inputs, IReadOnlyList<TermSection> Losses, IReadOnlyList<TermSection> Metrics, int Line)
{
    /// <summary>Whether the model is trained (false: it runs frozen, e.g. a feature extractor loaded from a checkpoint).</summary>
    public bool Train { get; init; } = true;

    /// <summary>
    /// The weights to start from, as the run file names them: a registry entry name (e.g.
    /// <c>SmallCnnWeights.FashionMnistV1</c>), or a weights file made absolute against the run file's folder (e.g.
    /// <c>checkpoints/&lt;name&gt;.ckpt</c> of an earlier run). Resolved by <c>Graft.Weights.WeightsResolver</c>.
    /// </summary>
    public string? Weights { get; init; }

    /// <summary>Refuse missing or unexpected tensors when loading <see cref="Weights"/> (<c>weights_options.strict</c>).</summary>
    public bool WeightsStrict { get; init; } = true;

    /// <summary>Adapt the first convolution to another number of input channels (<c>weights_options.adapt_input_channels</c>).</summary>
    public bool WeightsAdaptInputChannels { get; init; }

    /// <summary>Drop a classifier with another class count (<c>weights_options.replace_classifier</c>).</summary>
    public bool WeightsReplaceClassifier { get; init; }

    /// <summary>The model's own learning rate, or null for the optimizer's.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The model's own weight decay, or null for the optimizer's.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>The metric (e.g. <c>validation.accuracy</c>) whose improvement writes <c>checkpoints/&lt;name&gt;.ckpt</c>; null: the run's monitor.</summary>
    public string? CheckpointMonitor { get; init; }
}

/// <summary>How a run uses the pretraining pool (<c>pretrain:</c> and <c>pool:</c>).</summary>
/// <param name="FromPool">Initialise each trained model from the pool (<c>pretrain: pool</c>, the default) or keep its fresh initialisation (<c>pretrain: none</c>).</param>
/// <param name="AddToPool">After training, add each trained model to the pool (<c>pool: {add: true}</c>, the default).</param>
/// <param name="Directory">The pool's folder (<c>pool: {dir: ...}</c>); null for the default pool (<c>$GRAFT_HOME/pool</c>).</param>
/// <param name="BudgetSeconds">The time pretraining may take per run (<c>pool: {budget: 30}</c>); null for a tenth of the planned training time.</param>
public sealed record PretrainSection(bool FromPool = true, bool AddToPool = true, string? Directory = null, double? BudgetSeconds = null);

/// <summary>A parsed and validated run file.</summary>
/// <param name="Path">The file it was read from.</param>
/// <param name="Data">The <c>data</c> section.</param>
/// <param name="Split">The <c>split</c> section.</param>
/// <param name="Training">The <c>training</c> section as trainer options (run directory filled from <c>logging</c>).</param>
/// <param name="BatchSize">Samples per batch.</param>
/// <param name="Logging">The <c>logging</c> section.</param>
/// <param name="Models">The <c>models</c> section, in order.</param>
/// <param name="Yaml">The resolved YAML text (overrides applied), saved in the run directory.</param>
public sealed record RunFile(string Path, DataSection Data, SplitSection Split, TrainerOptions Training, int BatchSize, LoggingSection Logging, IReadOnlyList<ModelSection> Models, string Yaml)
{
    /// <summary>The task flows (<c>encoders</c>, <c>tasks</c>, <c>flows</c>), or null for a run of models only.</summary>
    public FlowSection? Flow { get; init; }

    /// <summary>How the run uses the pretraining pool.</summary>
    public PretrainSection Pretrain { get; init; } = new();
}
