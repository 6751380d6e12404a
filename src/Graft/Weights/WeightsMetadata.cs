namespace Graft.Weights;

/// <summary>One recorded evaluation of an entry's weights: a metric on a dataset.</summary>
/// <param name="Dataset">The data it was measured on, as Graft names data (e.g. <c>fashion-mnist:test</c>, <c>fashion-mnist:test[:1000]</c>).</param>
/// <param name="Metric">The metric's name (e.g. <c>accuracy</c>).</param>
/// <param name="Value">The measured value.</param>
public sealed record WeightsMetric(string Dataset, string Metric, double Value);

/// <summary>
/// What is known about a weights entry, typed (unlike torchvision's free-form <c>meta</c> dictionary): the categories
/// its classifier predicts, its size, what it scores, what it costs, how it was made and where it came from.
/// </summary>
public sealed record WeightsMetadata
{
    /// <summary>The class names, in output order (empty for models that do not classify).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>The number of parameters (trainable and frozen, buffers excluded).</summary>
    public long ParameterCount { get; init; }

    /// <summary>Metrics measured with these weights, per dataset.</summary>
    public IReadOnlyList<WeightsMetric> Metrics { get; init; } = [];

    /// <summary>Multiply-adds of one forward pass for one sample (convolutions and linear layers), or null when unknown.</summary>
    public long? OpsPerForward { get; init; }

    /// <summary>The size of the weights file in bytes.</summary>
    public long FileSize { get; init; }

    /// <summary>The recipe that produced the weights: the resolved run file's text, or null.</summary>
    public string? Recipe { get; init; }

    /// <summary>The entry these weights were initialised from (e.g. <c>ResNet8Weights.FashionMnistV1</c>), or null when trained from scratch.</summary>
    public string? Lineage { get; init; }

    /// <summary>When the weights were made, or null when unknown.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>Free tags for filtering (e.g. <c>built-in</c>, <c>vision</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>One sentence on what the weights are.</summary>
    public string? Description { get; init; }

    /// <summary>The recorded value of <paramref name="metric"/> on <paramref name="dataset"/>, or null when none is recorded.</summary>
    /// <param name="metric">The metric's name (case does not matter).</param>
    /// <param name="dataset">The dataset's name (case does not matter).</param>
    public double? Metric(string metric, string dataset) =>
        Metrics.FirstOrDefault(m => string.Equals(m.Metric, metric, StringComparison.OrdinalIgnoreCase)
                                    && string.Equals(m.Dataset, dataset, StringComparison.OrdinalIgnoreCase))?.Value;
}
