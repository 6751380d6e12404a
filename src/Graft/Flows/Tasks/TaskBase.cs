using Graft.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Flows.Tasks;

/// <summary>
/// The shared parts of the built-in tasks: a linear head over the flattened input, the dataset label (the task's
/// name unless told otherwise), an optional sentinel marking missing labels, and finite placeholders for missing targets.
/// </summary>
public abstract class TaskBase : ITask
{
    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="label">The dataset label (default: <paramref name="name"/>).</param>
    /// <param name="missingValue">A value that marks a missing label in the data (e.g. -1), besides the dataset's mask.</param>
    protected TaskBase(string name, string? label, double? missingValue)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('.'))
            throw new ArgumentException($"A task name must be non-empty and free of dots (dots separate flow paths); it is '{name}'.", nameof(name));
        Name = name;
        Label = label ?? name;
        MissingValue = missingValue;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Label { get; }

    /// <summary>The sentinel value that marks a missing label, or null.</summary>
    public double? MissingValue { get; }

    /// <inheritdoc />
    public abstract string Kind { get; }

    /// <inheritdoc />
    public virtual bool IsCondition => false;

    /// <summary>The number of logits per sample the head produces.</summary>
    protected abstract long HeadOutputs { get; }

    /// <inheritdoc />
    public abstract IReadOnlyList<TaskMetric> Metrics { get; }

    /// <inheritdoc />
    public virtual nn.Module<Tensor, Tensor> CreateHead(long[] inputShape) => new LinearHead(inputShape.Aggregate(1L, (a, b) => a * b), HeadOutputs, squeeze: SqueezeOutput);

    /// <summary>Whether a single logit per sample is returned as <c>[B]</c> rather than <c>[B, 1]</c>.</summary>
    protected virtual bool SqueezeOutput => false;

    /// <inheritdoc />
    public abstract Tensor Activate(Tensor logits);

    /// <inheritdoc />
    public abstract Tensor Decode(Tensor activated);

    /// <inheritdoc />
    public abstract Tensor PerSampleLoss(Tensor logits, Tensor target);

    /// <inheritdoc />
    public virtual Tensor Available(Tensor values, Tensor mask)
    {
        var m = mask.dtype == ScalarType.Bool ? mask : mask.to_type(ScalarType.Bool);
        if (MissingValue is not { } value) return m;
        using var sentinel = value.ToScalar();
        var isSentinel = values.dim() > 1 ? values.eq(sentinel).flatten(1).any(1) : values.eq(sentinel);
        return m.logical_and(isSentinel.logical_not());
    }

    /// <inheritdoc />
    public virtual Tensor Sanitize(Tensor target, Tensor available)
    {
        var rows = available.dim() == target.dim() ? available : available.reshape(new[] { available.shape[0] }.Concat(Enumerable.Repeat(1L, (int)target.dim() - 1)).ToArray()).expand(target.shape);
        var safe = target.is_floating_point() ? target.nan_to_num(0, 0, 0) : target;
        return where(rows, safe, zeros_like(target));
    }

    /// <inheritdoc />
    public virtual Tensor Holds(Tensor values) => throw new InvalidOperationException($"Task '{Name}' ({Kind}) cannot be a precondition: only binary tasks answer yes or no.");

    /// <inheritdoc />
    public virtual Tensor MetricPrediction(Tensor logits) => logits;

    /// <inheritdoc />
    public abstract Tensor EmptyLabel(long count);

    /// <summary>The mean over every dimension but the first: <c>[B, ...]</c> to <c>[B]</c>.</summary>
    protected static Tensor PerSample(Tensor perElement) => perElement.dim() > 1 ? perElement.flatten(1).mean(new long[] { 1 }) : perElement;

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind})";
}

/// <summary>A linear layer over the flattened input (or over the last dimension, for token tasks).</summary>
internal sealed class LinearHead : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear linear;
    private readonly bool _squeeze;
    private readonly bool _flatten;

    public LinearHead(long inputs, long outputs, bool squeeze, bool flatten = true) : base(nameof(LinearHead))
    {
        linear = nn.Linear(inputs, outputs);
        _squeeze = squeeze;
        _flatten = flatten;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = _flatten && input.dim() > 2 ? input.flatten(1) : input;
        var y = linear.call(x);
        return _squeeze ? y.squeeze(-1) : y;
    }
}
