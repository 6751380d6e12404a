using static TorchSharp.torch;

namespace Graft.Tests.Training.Metrics;

/// <summary>Prediction [1, 2, 3, 4] against target [1.5, 2, 1, 8]: differences −0.5, 0, 2, −4.</summary>
internal static class RegressionData
{
    internal static Tensor Prediction => tensor(new[] { 1f, 2f, 3f, 4f });

    internal static Tensor Target => tensor(new[] { 1.5f, 2f, 1f, 8f });

    internal static Tensor WithoutThird => tensor(new[] { true, true, false, true });
}
