using System.Globalization;
using Graft.Data;
using Graft.Data.Sources;
using Graft.Weights;
using static TorchSharp.torch;

namespace Graft.Runs.Zoo;

/// <summary>
/// Measures the accuracy of a classifier on a named dataset, the way the zoo records it and the tests check it.
/// Data is named as everywhere in Graft, plus an optional <c>[:N]</c> suffix for the first N samples
/// (<c>fashion-mnist:test[:1000]</c>).
/// </summary>
public static class ZooEvaluation
{
    /// <summary>Opens <paramref name="dataset"/> (with an optional <c>[:N]</c> suffix) as tensors.</summary>
    /// <exception cref="ArgumentException">The suffix is malformed or the source is not in memory.</exception>
    public static TensorDataset Open(string dataset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        int limit = 0;
        var source = dataset;
        int bracket = dataset.IndexOf("[:", StringComparison.Ordinal);
        if (bracket >= 0)
        {
            if (!dataset.EndsWith(']') || !int.TryParse(dataset[(bracket + 2)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
                throw new ArgumentException($"'{dataset}': a subset is written [:N] with N at least 1, e.g. fashion-mnist:test[:1000].");
            source = dataset[..bracket];
        }

        var data = DataSource.Open(source, new DataSourceOptions(Limit: limit));
        return data as TensorDataset ?? throw new ArgumentException($"'{dataset}' is not an in-memory dataset; the zoo evaluates on tensors.");
    }

    /// <summary>
    /// The share of samples of <paramref name="dataset"/> whose highest-scoring class (after the entry's preprocessing
    /// of the first feature) is the first label.
    /// </summary>
    /// <param name="model">A classifier from one tensor to class scores.</param>
    /// <param name="preprocessing">The preprocessing to apply to the inputs.</param>
    /// <param name="dataset">The data (see <see cref="Open"/>).</param>
    /// <param name="feature">The feature to feed; null for the first.</param>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Preprocessing preprocessing, string dataset, string? feature = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(preprocessing);
        using var data = Open(dataset);
        var x = data.Feature(feature ?? data.Schema.Features[0].Name);
        var y = data.Label(data.Schema.Labels[0].Name).Values;
        bool training = model.training;
        model.eval();
        long correct = 0, n = x.shape[0];
        try
        {
            using var _ = no_grad();
            for (long start = 0; start < n; start += 500)
            {
                using var scope = NewDisposeScope();
                long len = Math.Min(500, n - start);
                var inputs = preprocessing.Apply(x.narrow(0, start, len));
                var predicted = model.call(inputs).argmax(1);
                correct += predicted.eq(y.narrow(0, start, len).to_type(ScalarType.Int64)).sum().item<long>();
            }
        }
        finally
        {
            model.train(training);
        }

        return n == 0 ? double.NaN : (double)correct / n;
    }
}
