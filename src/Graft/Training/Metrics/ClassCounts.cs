using static TorchSharp.torch;

namespace Graft.Training.Metrics;

/// <summary>
/// Per-class true positives, predicted counts and actual counts, accumulated over batches; shared by
/// <see cref="Precision"/>, <see cref="Recall"/> and <see cref="F1Score"/>.
/// Multi-class batches count each class; binary batches count the positive class only; multi-label batches count each flag.
/// </summary>
internal sealed class ClassCounts
{
    private ClassificationMode? _mode;
    private long _classes;
    private long[] _truePositives = [];
    private long[] _predicted = [];
    private long[] _actual = [];

    internal void Update(string metric, Tensor prediction, Tensor target, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var batch = ClassificationInput.Decode(metric, prediction, target, mask);
        ClassificationInput.Check(metric, ref _mode, ref _classes, batch, prediction, target);
        if (_truePositives.Length == 0)
        {
            _truePositives = new long[_classes];
            _predicted = new long[_classes];
            _actual = new long[_classes];
        }
        Tensor truePositives, predicted, actual;
        if (batch.Mode == ClassificationMode.MultiClass)
        {
            var hits = batch.Actual.masked_select(batch.Predicted.eq(batch.Actual));
            truePositives = hits.bincount(null, batch.Classes);
            predicted = batch.Predicted.bincount(null, batch.Classes);
            actual = batch.Actual.bincount(null, batch.Classes);
        }
        else
        {
            truePositives = batch.Predicted.logical_and(batch.Actual).sum(dim: 0);
            predicted = batch.Predicted.sum(dim: 0);
            actual = batch.Actual.sum(dim: 0);
        }
        Add(_truePositives, MetricInput.ToLongs(truePositives));
        Add(_predicted, MetricInput.ToLongs(predicted));
        Add(_actual, MetricInput.ToLongs(actual));
    }

    private static void Add(long[] sums, long[] batch)
    {
        for (int i = 0; i < sums.Length; i++) sums[i] += batch[i];
    }

    internal void Reset()
    {
        _mode = null;
        _classes = 0;
        _truePositives = [];
        _predicted = [];
        _actual = [];
    }

    /// <summary>
    /// Averages a per-class score <c>score(truePositives, predicted, actual)</c>. Macro leaves out classes with
    /// neither predictions nor true samples; weighted uses the true counts as weights; micro scores the pooled counts.
    /// NaN when no class has anything to measure.
    /// </summary>
    internal double Average(Averaging averaging, Func<long, long, long, double> score)
    {
        switch (averaging)
        {
            case Averaging.Micro:
            {
                long tp = _truePositives.Sum(), predicted = _predicted.Sum(), actual = _actual.Sum();
                return predicted + actual == 0 ? double.NaN : score(tp, predicted, actual);
            }
            case Averaging.Weighted:
            {
                double total = 0, support = 0;
                for (int c = 0; c < _truePositives.Length; c++)
                {
                    if (_actual[c] == 0) continue;
                    total += _actual[c] * score(_truePositives[c], _predicted[c], _actual[c]);
                    support += _actual[c];
                }
                return support == 0 ? double.NaN : total / support;
            }
            case Averaging.Macro:
            {
                double total = 0;
                int present = 0;
                for (int c = 0; c < _truePositives.Length; c++)
                {
                    if (_predicted[c] + _actual[c] == 0) continue;
                    total += score(_truePositives[c], _predicted[c], _actual[c]);
                    present++;
                }
                return present == 0 ? double.NaN : total / present;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(averaging), averaging, "Unknown averaging.");
        }
    }

    /// <summary>The metric's name for an averaging: <c>precision</c> for macro, <c>precision_micro</c>, <c>precision_weighted</c>.</summary>
    internal static string NameFor(string stem, Averaging averaging) => averaging switch
    {
        Averaging.Macro => stem,
        Averaging.Micro => stem + "_micro",
        Averaging.Weighted => stem + "_weighted",
        _ => throw new ArgumentOutOfRangeException(nameof(averaging), averaging, $"Unknown averaging for {stem}."),
    };
}
