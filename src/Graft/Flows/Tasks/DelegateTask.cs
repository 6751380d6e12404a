using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Flows.Tasks;

/// <summary>
/// A task made of functions, like the seed's <c>Task</c> dataclass: give the head, the per-sample loss and what else
/// differs from the defaults (identity activation and decoder, the dataset's mask as availability, no metrics).
/// </summary>
/// <example>
/// <code>
/// var age = new DelegateTask("age", head: shape => new MyAgeHead(shape), perSampleLoss: (logits, target) => (logits - target).abs())
/// {
///     Activation = logits => logits.relu(),
///     Metrics = new[] { new TaskMetric("mae", () => new MeanAbsoluteError()) },
/// };
/// </code>
/// </example>
public sealed class DelegateTask : ITask
{
    private readonly Func<long[], nn.Module<Tensor, Tensor>> _head;
    private readonly Func<Tensor, Tensor, Tensor> _perSampleLoss;

    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="head">Makes the head for one input sample's shape.</param>
    /// <param name="perSampleLoss">The loss of each sample, <c>[B]</c>, from logits and targets.</param>
    /// <param name="label">The dataset label (default: <paramref name="name"/>).</param>
    public DelegateTask(string name, Func<long[], nn.Module<Tensor, Tensor>> head, Func<Tensor, Tensor, Tensor> perSampleLoss, string? label = null)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('.')) throw new ArgumentException($"A task name must be non-empty and free of dots; it is '{name}'.", nameof(name));
        Name = name;
        Label = label ?? name;
        _head = head;
        _perSampleLoss = perSampleLoss;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Label { get; }

    /// <inheritdoc />
    public string Kind { get; init; } = "custom";

    /// <summary>The activation (default: identity).</summary>
    public Func<Tensor, Tensor> Activation { get; init; } = x => x;

    /// <summary>The decoder (default: identity).</summary>
    public Func<Tensor, Tensor> Decoder { get; init; } = x => x;

    /// <summary>Which samples carry a usable label, from values and mask (default: the mask).</summary>
    public Func<Tensor, Tensor, Tensor>? Availability { get; init; }

    /// <summary>The yes/no reading for preconditions (null: the task cannot be a precondition).</summary>
    public Func<Tensor, Tensor>? Condition { get; init; }

    /// <summary>What metrics read, from logits (default: the activated values).</summary>
    public Func<Tensor, Tensor>? MetricInput { get; init; }

    /// <summary>A placeholder label for data without it (default: zeros <c>[count]</c>).</summary>
    public Func<long, Tensor>? Placeholder { get; init; }

    /// <inheritdoc />
    public IReadOnlyList<TaskMetric> Metrics { get; init; } = Array.Empty<TaskMetric>();

    /// <inheritdoc />
    public bool IsCondition => Condition is not null;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> CreateHead(long[] inputShape) => _head(inputShape);

    /// <inheritdoc />
    public Tensor Activate(Tensor logits) => Activation(logits);

    /// <inheritdoc />
    public Tensor Decode(Tensor activated) => Decoder(activated);

    /// <inheritdoc />
    public Tensor PerSampleLoss(Tensor logits, Tensor target) => _perSampleLoss(logits, target);

    /// <inheritdoc />
    public Tensor Available(Tensor values, Tensor mask) => Availability?.Invoke(values, mask) ?? (mask.dtype == ScalarType.Bool ? mask : mask.ne(0));

    /// <inheritdoc />
    public Tensor Sanitize(Tensor target, Tensor available)
    {
        var rows = available.dim() == target.dim() ? available : available.reshape(new[] { available.shape[0] }.Concat(Enumerable.Repeat(1L, (int)target.dim() - 1)).ToArray()).expand(target.shape);
        return where(rows, target.is_floating_point() ? target.nan_to_num(0, 0, 0) : target, zeros_like(target));
    }

    /// <inheritdoc />
    public Tensor Holds(Tensor values) => Condition?.Invoke(values) ?? throw new InvalidOperationException($"Task '{Name}' has no Condition, so it cannot be a precondition.");

    /// <inheritdoc />
    public Tensor MetricPrediction(Tensor logits) => MetricInput?.Invoke(logits) ?? Activate(logits);

    /// <inheritdoc />
    public Tensor EmptyLabel(long count) => Placeholder?.Invoke(count) ?? zeros(count);
}
