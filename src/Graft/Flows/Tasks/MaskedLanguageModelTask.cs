using Graft.Training.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Flows.Tasks;

/// <summary>
/// Masked language modelling as token classification: the input is a sequence <c>[B, L, D]</c>, the head gives
/// <c>[B, L, V]</c> logits, softmax activation, a decoder that sorts the vocabulary per token, cross-entropy per token.
/// Positions whose target is <see cref="IgnoreIndex"/> (the unmasked tokens) count neither in the loss nor in the
/// metric; a sample with no masked position is unavailable.
/// </summary>
public sealed class MaskedLanguageModelTask : TaskBase
{
    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="vocabularySize">The number of tokens V.</param>
    /// <param name="ignoreIndex">The target of positions that are not predicted (default -100).</param>
    /// <param name="label">The dataset label (token ids <c>[N, L]</c>; default: <paramref name="name"/>).</param>
    public MaskedLanguageModelTask(string name, int vocabularySize, long ignoreIndex = -100, string? label = null) : base(name, label, null)
    {
        if (vocabularySize < 2) throw new ArgumentException($"Task '{name}' needs a vocabulary of at least 2 tokens.");
        VocabularySize = vocabularySize;
        IgnoreIndex = ignoreIndex;
        Metrics = new TaskMetric[] { new("token_accuracy", () => new TokenAccuracy(ignoreIndex)) };
    }

    /// <summary>The vocabulary size.</summary>
    public int VocabularySize { get; }

    /// <summary>The target value of positions left out.</summary>
    public long IgnoreIndex { get; }

    /// <inheritdoc />
    public override string Kind => "masked_lm";

    /// <inheritdoc />
    protected override long HeadOutputs => VocabularySize;

    /// <inheritdoc />
    public override IReadOnlyList<TaskMetric> Metrics { get; }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> CreateHead(long[] inputShape) =>
        inputShape.Length == 2 ? new LinearHead(inputShape[^1], VocabularySize, squeeze: false, flatten: false)
        : throw new ArgumentException($"Task '{Name}' (masked_lm) reads sequences [length, dim]; its input has samples of shape [{string.Join(", ", inputShape)}].");

    /// <inheritdoc />
    public override Tensor Activate(Tensor logits) => logits.softmax(-1);

    /// <inheritdoc />
    public override Tensor Decode(Tensor activated) => activated.argmax(-1);

    /// <inheritdoc />
    public override Tensor Available(Tensor values, Tensor mask)
    {
        var m = mask.dtype == ScalarType.Bool ? mask : mask.to_type(ScalarType.Bool);
        using var ignore = IgnoreIndex.ToScalar();
        return m.logical_and(values.ne(ignore).any(1));
    }

    /// <inheritdoc />
    public override Tensor Sanitize(Tensor target, Tensor available)
    {
        var t = target.to_type(ScalarType.Int64);
        var rows = available.unsqueeze(1).expand(t.shape);
        using var zero = 0.ToScalar();
        using var vocabulary = VocabularySize.ToScalar();
        using var ignore = IgnoreIndex.ToScalar();
        var valid = rows.logical_and(t.ge(zero)).logical_and(t.lt(vocabulary));
        return where(valid, t, full_like(t, ignore));
    }

    /// <inheritdoc />
    public override Tensor PerSampleLoss(Tensor logits, Tensor target)
    {
        var t = target.to_type(ScalarType.Int64);
        using var ignore = IgnoreIndex.ToScalar();
        using var one = 1.ToScalar();
        var keep = t.ne(ignore);
        var safe = where(keep, t, zeros_like(t));
        var perToken = nn.functional.cross_entropy(logits.flatten(0, 1), safe.flatten(), reduction: nn.Reduction.None).reshape(t.shape);
        var w = keep.to_type(perToken.dtype);
        return (perToken * w).sum(1) / w.sum(1).clamp_min(one);
    }

    /// <inheritdoc />
    public override Tensor EmptyLabel(long count) =>
        throw new InvalidOperationException($"The data has no label '{Label}' for masked language modelling task '{Name}': token labels cannot be made up; add the label with its mask false.");
}

/// <summary>The share of predicted tokens equal to the target, over positions whose target is not the ignore index.</summary>
public sealed class TokenAccuracy : IMetric
{
    private readonly long _ignore;
    private long _correct;
    private long _total;

    /// <summary>Creates the metric.</summary>
    /// <param name="ignoreIndex">The target of positions left out.</param>
    public TokenAccuracy(long ignoreIndex = -100) => _ignore = ignoreIndex;

    /// <inheritdoc />
    public string Name => "token_accuracy";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        if (prediction.dim() != 3 || target.dim() != 2 || prediction.shape[0] != target.shape[0] || prediction.shape[1] != target.shape[1])
            throw new ArgumentException($"token_accuracy: expected logits [B, L, V] and token ids [B, L]; got [{string.Join(", ", prediction.shape)}] and [{string.Join(", ", target.shape)}].");
        var t = target.to_type(ScalarType.Int64);
        using var ignore = _ignore.ToScalar();
        var keep = t.ne(ignore);
        if (mask is not null) keep = keep.logical_and((mask.dtype == ScalarType.Bool ? mask : mask.to_type(ScalarType.Bool)).unsqueeze(1));
        var hit = prediction.detach().argmax(-1).eq(t).logical_and(keep);
        _correct += hit.sum().item<long>();
        _total += keep.sum().item<long>();
    }

    /// <inheritdoc />
    public double Compute() => _total == 0 ? double.NaN : (double)_correct / _total;

    /// <inheritdoc />
    public void Reset() => (_correct, _total) = (0, 0);
}

/// <summary>A metric computed on predictions and targets divided by a scale (e.g. box errors as a fraction of the image).</summary>
public sealed class ScaledMetric : IMetric
{
    private readonly IMetric _inner;
    private readonly double _scale;

    /// <summary>Wraps <paramref name="inner"/>, dividing both inputs by <paramref name="scale"/>, under <paramref name="name"/>.</summary>
    public ScaledMetric(IMetric inner, double scale, string name)
    {
        _inner = inner;
        _scale = scale;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool HigherIsBetter => _inner.HigherIsBetter;

    /// <inheritdoc />
    public void Update(Tensor prediction, Tensor target, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        using var scale = _scale.ToScalar();
        _inner.Update(prediction.div(scale), target.to_type(ScalarType.Float32).div(scale), mask);
    }

    /// <inheritdoc />
    public double Compute() => _inner.Compute();

    /// <inheritdoc />
    public void Reset() => _inner.Reset();
}
