using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

/// <summary>Small tensors for the metric tests.</summary>
internal static class MetricData
{
    /// <summary>Logits [B, C] whose argmax is the given class for each row.</summary>
    internal static Tensor LogitsFor(long[] predicted, int classes)
    {
        var values = new float[predicted.Length * classes];
        for (int i = 0; i < predicted.Length; i++)
        {
            for (int c = 0; c < classes; c++) values[i * classes + c] = -1f - 0.1f * c;
            values[i * classes + predicted[i]] = 2f;
        }
        return tensor(values).reshape(predicted.Length, classes);
    }

    internal static Tensor Classes(params long[] values) => tensor(values);

    internal static Tensor Mask(params bool[] values) => tensor(values);

    /// <summary>The multi-class example: predicted [0,1,1,2,0,2], true [0,1,2,2,1,2], 4 classes (class 3 absent).</summary>
    internal static (Tensor Logits, Tensor Target) MultiClassExample() =>
        (LogitsFor([0, 1, 1, 2, 0, 2], 4), Classes(0, 1, 2, 2, 1, 2));

    /// <summary>Binary example: logits [2,-1,0.5,-3,1] (predicts 1,0,1,0,1), targets 1,0,0,1,1.</summary>
    internal static (Tensor Logits, Tensor Target) BinaryExample() =>
        (tensor(new[] { 2f, -1f, 0.5f, -3f, 1f }), tensor(new[] { 1f, 0f, 0f, 1f, 1f }));

    /// <summary>Multi-label example: predicted flags [[1,0,1],[0,0,1],[1,1,0]], true [[1,0,0],[0,1,1],[1,1,0]].</summary>
    internal static (Tensor Logits, Tensor Target) MultiLabelExample() =>
        (tensor(new[] { 1f, -1f, 2f, -1f, -1f, 1f, 1f, 1f, -1f }).reshape(3, 3),
         tensor(new[] { 1f, 0f, 0f, 0f, 1f, 1f, 1f, 1f, 0f }).reshape(3, 3));

    /// <summary>Feeds the rows of <paramref name="prediction"/> and <paramref name="target"/> in chunks of the given sizes.</summary>
    internal static void UpdateInChunks(Graft.Training.Metrics.IMetric metric, Tensor prediction, Tensor target, Tensor? mask, params long[] sizes)
    {
        long start = 0;
        foreach (long size in sizes)
        {
            using var scope = NewDisposeScope();
            metric.Update(prediction.narrow(0, start, size), target.narrow(0, start, size), mask?.narrow(0, start, size));
            start += size;
        }
        Assert.Equal(prediction.shape[0], start);
    }
}
