using TorchSharp;
using Graft.Training.Metrics;
using static TorchSharp.torch;

namespace Graft.Flows.Tasks;

/// <summary>A yes/no task: one logit, sigmoid activation, a thresholding decoder (tunable), binary cross-entropy. It can be a precondition.</summary>
public sealed class BinaryTask : TaskBase, IThresholdedTask
{
    private double[] _thresholds = { 0.5 };

    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="label">The dataset label (0/1 per sample; default: <paramref name="name"/>).</param>
    /// <param name="missingValue">A value that marks a missing label (e.g. -1).</param>
    public BinaryTask(string name, string? label = null, double? missingValue = null) : base(name, label, missingValue)
    {
    }

    /// <inheritdoc />
    public override string Kind => "binary";

    /// <inheritdoc />
    public override bool IsCondition => true;

    /// <inheritdoc />
    public int Outputs => 1;

    /// <inheritdoc />
    public double[] Thresholds
    {
        get => _thresholds;
        set => _thresholds = value is { Length: 1 } && value[0] is >= 0 and <= 1 ? value : throw new ArgumentException($"Task '{Name}' takes one threshold in [0, 1].");
    }

    /// <inheritdoc />
    protected override long HeadOutputs => 1;

    /// <inheritdoc />
    protected override bool SqueezeOutput => true;

    /// <inheritdoc />
    public override IReadOnlyList<TaskMetric> Metrics { get; } = new TaskMetric[]
    {
        new("accuracy", () => new Accuracy()), new("f1", () => new F1Score()), new("precision", () => new Precision()), new("recall", () => new Recall()),
    };

    /// <inheritdoc />
    public override Tensor Activate(Tensor logits) => logits.sigmoid();

    /// <inheritdoc />
    public override Tensor Decode(Tensor activated)
    {
        // An explicit scalar kept alive across the native call (an implicit one may be finalised during it).
        using var threshold = _thresholds[0].ToScalar();
        return activated.gt(threshold);
    }

    /// <inheritdoc />
    public override Tensor PerSampleLoss(Tensor logits, Tensor target) =>
        nn.functional.binary_cross_entropy_with_logits(logits, target.reshape(logits.shape).to_type(logits.dtype), reduction: nn.Reduction.None);

    /// <inheritdoc />
    public override Tensor Holds(Tensor values)
    {
        if (values.dtype == ScalarType.Bool) return values.reshape(values.shape[0]);
        using var half = 0.5.ToScalar();
        return values.reshape(values.shape[0]).to_type(ScalarType.Float32).gt(half);
    }

    /// <inheritdoc />
    public override Tensor EmptyLabel(long count) => zeros(count, ScalarType.Int64);
}

/// <summary>A one-of-C task: C logits, softmax activation, a decoder that sorts classes by score, cross-entropy.</summary>
public sealed class ClassificationTask : TaskBase
{
    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="classes">The number of classes (at least 2).</param>
    /// <param name="label">The dataset label (class indices; default: <paramref name="name"/>).</param>
    /// <param name="missingValue">A value that marks a missing label (e.g. -1).</param>
    /// <param name="classNames">The class names, for explanations.</param>
    public ClassificationTask(string name, int classes, string? label = null, double? missingValue = null, IReadOnlyList<string>? classNames = null) : base(name, label, missingValue)
    {
        if (classes < 2) throw new ArgumentException($"Classification task '{name}' needs at least 2 classes; it has {classes}.");
        if (classNames is not null && classNames.Count != classes) throw new ArgumentException($"Classification task '{name}' has {classes} classes but {classNames.Count} class names.");
        Classes = classes;
        ClassNames = classNames;
        var metrics = new List<TaskMetric> { new("accuracy", () => new Accuracy()) };
        if (classes > 3) metrics.Add(new TaskMetric("top3", () => new TopKAccuracy(3)));
        metrics.Add(new TaskMetric("f1", () => new F1Score()));
        Metrics = metrics;
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The class names, or null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <inheritdoc />
    public override string Kind => "classification";

    /// <inheritdoc />
    protected override long HeadOutputs => Classes;

    /// <inheritdoc />
    public override IReadOnlyList<TaskMetric> Metrics { get; }

    /// <inheritdoc />
    public override Tensor Activate(Tensor logits) => logits.softmax(-1);

    /// <inheritdoc />
    public override Tensor Decode(Tensor activated) => activated.argsort(-1, descending: true);

    /// <inheritdoc />
    public override Tensor PerSampleLoss(Tensor logits, Tensor target) =>
        nn.functional.cross_entropy(logits, target.to_type(ScalarType.Int64), reduction: nn.Reduction.None);

    /// <inheritdoc />
    public override Tensor Sanitize(Tensor target, Tensor available)
    {
        var t = target.to_type(ScalarType.Int64);
        using var zero = 0.ToScalar();
        using var classes = Classes.ToScalar();
        return where(available.logical_and(t.ge(zero)).logical_and(t.lt(classes)), t, zeros_like(t));
    }

    /// <inheritdoc />
    public override Tensor EmptyLabel(long count) => zeros(count, ScalarType.Int64);
}

/// <summary>A several-of-K task: K logits, sigmoid activation, a thresholding decoder per flag (tunable), binary cross-entropy.</summary>
public sealed class MultiLabelTask : TaskBase, IThresholdedTask
{
    private double[] _thresholds;

    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="flags">The number of flags K.</param>
    /// <param name="label">The dataset label (0/1 flags <c>[N, K]</c>; default: <paramref name="name"/>).</param>
    /// <param name="missingValue">A value that marks a missing label (e.g. -1 in any flag).</param>
    /// <param name="flagNames">The flag names, for explanations.</param>
    public MultiLabelTask(string name, int flags, string? label = null, double? missingValue = null, IReadOnlyList<string>? flagNames = null) : base(name, label, missingValue)
    {
        if (flags < 1) throw new ArgumentException($"Multi-label task '{name}' needs at least 1 flag; it has {flags}.");
        Flags = flags;
        FlagNames = flagNames;
        _thresholds = Enumerable.Repeat(0.5, flags).ToArray();
    }

    /// <summary>The number of flags.</summary>
    public int Flags { get; }

    /// <summary>The flag names, or null.</summary>
    public IReadOnlyList<string>? FlagNames { get; }

    /// <inheritdoc />
    public override string Kind => "multi_label";

    /// <inheritdoc />
    public int Outputs => Flags;

    /// <inheritdoc />
    public double[] Thresholds
    {
        get => _thresholds;
        set => _thresholds = value is not null && value.Length == Flags && value.All(t => t is >= 0 and <= 1) ? value : throw new ArgumentException($"Task '{Name}' takes {Flags} thresholds in [0, 1].");
    }

    /// <inheritdoc />
    protected override long HeadOutputs => Flags;

    /// <inheritdoc />
    public override IReadOnlyList<TaskMetric> Metrics { get; } = new TaskMetric[] { new("accuracy", () => new Accuracy()), new("f1", () => new F1Score()) };

    /// <inheritdoc />
    public override Tensor Activate(Tensor logits) => logits.sigmoid();

    /// <inheritdoc />
    public override Tensor Decode(Tensor activated)
    {
        using var t = tensor(_thresholds.Select(v => (float)v).ToArray(), device: activated.device);
        return activated.gt(t);
    }

    /// <inheritdoc />
    public override Tensor PerSampleLoss(Tensor logits, Tensor target) =>
        PerSample(nn.functional.binary_cross_entropy_with_logits(logits, target.to_type(logits.dtype), reduction: nn.Reduction.None));

    /// <inheritdoc />
    public override Tensor EmptyLabel(long count) => zeros(count, Flags);
}

/// <summary>A value in <c>[0, scale]</c> (e.g. a box coordinate in pixels): sigmoid activation times the scale, mean squared error on the scaled-down value.</summary>
public sealed class BoundedRegressionTask : TaskBase
{
    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="scale">The largest value (the decoder multiplies the sigmoid by it).</param>
    /// <param name="values">Values per sample (1: the label is <c>[N]</c>; more: <c>[N, values]</c>).</param>
    /// <param name="label">The dataset label (default: <paramref name="name"/>).</param>
    /// <param name="missingValue">A value that marks a missing label (e.g. -1).</param>
    public BoundedRegressionTask(string name, double scale = 1, int values = 1, string? label = null, double? missingValue = null) : base(name, label, missingValue)
    {
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentException($"Bounded regression task '{name}' needs a positive scale; it is {scale}.");
        if (values < 1) throw new ArgumentException($"Task '{name}' needs at least 1 value per sample.");
        Scale = scale;
        Values = values;
        var metrics = new List<TaskMetric> { new("mae", () => new MeanAbsoluteError()) };
        if (scale != 1) metrics.Add(new TaskMetric("mae_scaled", () => new ScaledMetric(new MeanAbsoluteError(), scale, "mae_scaled")));
        Metrics = metrics;
    }

    /// <summary>The largest value.</summary>
    public double Scale { get; }

    /// <summary>Values per sample.</summary>
    public int Values { get; }

    /// <inheritdoc />
    public override string Kind => "bounded_regression";

    /// <inheritdoc />
    protected override long HeadOutputs => Values;

    /// <inheritdoc />
    protected override bool SqueezeOutput => Values == 1;

    /// <inheritdoc />
    public override IReadOnlyList<TaskMetric> Metrics { get; }

    /// <inheritdoc />
    public override Tensor Activate(Tensor logits)
    {
        using var scale = Scale.ToScalar();
        return logits.sigmoid().mul(scale);
    }

    /// <inheritdoc />
    public override Tensor Decode(Tensor activated) => activated;

    /// <inheritdoc />
    public override Tensor PerSampleLoss(Tensor logits, Tensor target)
    {
        using var scale = Scale.ToScalar();
        return PerSample((logits.sigmoid() - target.reshape(logits.shape).to_type(logits.dtype).div(scale)).square());
    }

    /// <inheritdoc />
    public override Tensor MetricPrediction(Tensor logits) => Activate(logits);

    /// <inheritdoc />
    public override Tensor EmptyLabel(long count) => Values == 1 ? zeros(count) : zeros(count, Values);
}

/// <summary>An unbounded value: identity activation and decoder, mean squared error.</summary>
public sealed class RegressionTask : TaskBase
{
    /// <summary>Creates the task.</summary>
    /// <param name="name">The task's name.</param>
    /// <param name="values">Values per sample.</param>
    /// <param name="label">The dataset label (default: <paramref name="name"/>).</param>
    /// <param name="missingValue">A value that marks a missing label.</param>
    public RegressionTask(string name, int values = 1, string? label = null, double? missingValue = null) : base(name, label, missingValue)
    {
        if (values < 1) throw new ArgumentException($"Task '{name}' needs at least 1 value per sample.");
        Values = values;
    }

    /// <summary>Values per sample.</summary>
    public int Values { get; }

    /// <inheritdoc />
    public override string Kind => "regression";

    /// <inheritdoc />
    protected override long HeadOutputs => Values;

    /// <inheritdoc />
    protected override bool SqueezeOutput => Values == 1;

    /// <inheritdoc />
    public override IReadOnlyList<TaskMetric> Metrics { get; } = new TaskMetric[] { new("mae", () => new MeanAbsoluteError()), new("rmse", () => new RootMeanSquaredError()) };

    /// <inheritdoc />
    public override Tensor Activate(Tensor logits) => logits;

    /// <inheritdoc />
    public override Tensor Decode(Tensor activated) => activated;

    /// <inheritdoc />
    public override Tensor PerSampleLoss(Tensor logits, Tensor target) => PerSample((logits - target.reshape(logits.shape).to_type(logits.dtype)).square());

    /// <inheritdoc />
    public override Tensor EmptyLabel(long count) => Values == 1 ? zeros(count) : zeros(count, Values);
}
