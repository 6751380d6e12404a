using Graft.Training.Optimizers;
using Graft.Training.Schedules;

namespace Graft.Training;

/// <summary>How progress is shown while training.</summary>
public enum ProgressMode
{
    /// <summary>A live progress bar on a terminal, plain log lines otherwise.</summary>
    Auto,

    /// <summary>Plain log lines (one per epoch), whatever the output is.</summary>
    Lines,

    /// <summary>Nothing.</summary>
    None,
}

/// <summary>Stops training when a monitored metric has not improved for some epochs.</summary>
/// <param name="Patience">Epochs without improvement before stopping.</param>
/// <param name="MinDelta">The smallest change that counts as an improvement.</param>
public sealed record EarlyStoppingOptions(int Patience = 5, double MinDelta = 0);

/// <summary>Settings of a <see cref="Trainer"/>. Every file output goes under <see cref="RunDirectory"/>; null writes nothing.</summary>
/// <param name="Epochs">The number of epochs to train.</param>
/// <param name="Seed">The seed of parameter initialisation order, shuffling, dropout and augmentation.</param>
/// <param name="Threads">Intra-op threads for TorchSharp (0 leaves the default).</param>
/// <param name="Optimizer">Optimizer settings (null: Adam with lr 1e-3).</param>
/// <param name="Schedule">Learning-rate schedule (null: constant).</param>
/// <param name="GradientClipNorm">Clip the total gradient norm to this value; null does not clip.</param>
/// <param name="Monitor">The metric that decides the best checkpoint, early stopping and plateau schedules, e.g. <c>validation.loss</c> or <c>validation.accuracy</c>.</param>
/// <param name="EarlyStopping">Early stopping on <see cref="Monitor"/>; null trains every epoch.</param>
/// <param name="RunDirectory">Where checkpoints, TensorBoard events, <c>metrics.json</c> and curves go.</param>
/// <param name="Checkpoints">Whether to write <c>last.ckpt</c> every epoch and <c>best.ckpt</c> on improvement.</param>
/// <param name="TensorBoard">Whether to write TensorBoard event files.</param>
/// <param name="Curves">Whether to draw training curves to <c>curves.png</c>.</param>
/// <param name="Progress">How progress is shown.</param>
public sealed record TrainerOptions(
    int Epochs = 10,
    long Seed = 0,
    int Threads = 0,
    OptimizerOptions? Optimizer = null,
    ScheduleOptions? Schedule = null,
    double? GradientClipNorm = null,
    string Monitor = "validation.loss",
    EarlyStoppingOptions? EarlyStopping = null,
    string? RunDirectory = null,
    bool Checkpoints = true,
    bool TensorBoard = true,
    bool Curves = true,
    ProgressMode Progress = ProgressMode.Auto)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"training.epochs must be at least 1; it is {Epochs}.");
        if (Threads < 0) throw new ArgumentException($"training.threads must not be negative; it is {Threads}.");
        if (GradientClipNorm is { } c && !(c > 0)) throw new ArgumentException($"training.gradient_clip must be positive; it is {c}.");
        if (EarlyStopping is { Patience: < 1 }) throw new ArgumentException("training.early_stopping.patience must be at least 1.");
        if (!Monitor.StartsWith("validation.", StringComparison.Ordinal) && !Monitor.StartsWith("train.", StringComparison.Ordinal))
            throw new ArgumentException($"training.monitor must name a split and a metric, e.g. 'validation.loss' or 'validation.accuracy'; it is '{Monitor}'.");
        (Optimizer ?? new OptimizerOptions()).Validate();
        Schedule?.Validate();
    }
}
