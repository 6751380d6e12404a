using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// The fraction of correct predictions. Multi-class (logits or probabilities <c>[B, C]</c>, class indices <c>[B]</c>):
/// the argmax must equal the target. Binary (logits <c>[B]</c> or <c>[B, 1]</c>, 0/1 targets): a logit above 0 predicts 1.
/// Multi-label (logits <c>[B, K]</c>, 0/1 flags <c>[B, K]</c>): the fraction of correct flags over all samples and flags.
/// </summary>
public sealed class Accuracy : IMetric
{
    private long _correct;
    private long _total;
    private ClassificationMode? _mode;
    private long _classes;

    /// <inheritdoc />
    public string Name => "accuracy";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var batch = ClassificationInput.Decode(Name, prediction, target, mask);
        ClassificationInput.Check(Name, ref _mode, ref _classes, batch, prediction, target);
        _correct += batch.Predicted.eq(batch.Actual).sum().item<long>();
        _total += batch.Predicted.numel();
    }

    /// <inheritdoc />
    public double Compute() => _total == 0 ? double.NaN : (double)_correct / _total;

    /// <inheritdoc />
    public void Reset()
    {
        _correct = 0;
        _total = 0;
        _mode = null;
        _classes = 0;
    }
}
