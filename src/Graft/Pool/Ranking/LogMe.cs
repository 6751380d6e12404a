using Graft.Data;
using static TorchSharp.torch;

namespace Graft.Pool.Ranking;

/// <summary>
/// LogME (You et al., ICML 2021): the log marginal evidence of a Bayesian linear model of the targets on features,
/// maximised over the prior and noise precisions by fixed-point iteration, averaged over classes (one-vs-rest) or
/// target columns. Higher means the features carry more of what the labels need; it costs one forward pass and one
/// SVD per candidate, no training.
/// </summary>
public static class LogMe
{
    /// <summary>The LogME score of <paramref name="features"/> for <paramref name="y"/> (per sample; higher is better).</summary>
    /// <param name="features">Features [samples, D].</param>
    /// <param name="y">Class indices, or values.</param>
    /// <param name="kind">Classes or values.</param>
    public static double Score(Tensor features, Tensor y, LabelKind kind)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(y);
        using var scope = NewDisposeScope();
        var f = features.to_type(ScalarType.Float64);
        long n = f.shape[0], d = f.shape[1];
        var (u, s, _) = linalg.svd(f, fullMatrices: false);
        var sigma2 = s.pow(2);
        var sigma2Values = sigma2.data<double>().ToArray();
        Tensor targets = kind == LabelKind.Class
            ? nn.functional.one_hot(y.to_type(ScalarType.Int64).flatten()).to_type(ScalarType.Float64)
            : y.to_type(ScalarType.Float64).reshape(n, -1);
        double total = 0;
        int columns = (int)targets.shape[1];
        for (int k = 0; k < columns; k++)
        {
            var t = targets.select(1, k).contiguous();
            var projected = u.t().matmul(t);                 // Uᵀy
            var p2 = projected.pow(2).data<double>().ToArray();
            double yNorm2 = t.pow(2).sum().item<double>();
            double residualOutside = Math.Max(0, yNorm2 - p2.Sum()); // the part of y outside the span of F
            double alpha = 1, beta = 1;
            (double Gamma, double M2, double Residual) Moments(double a, double b)
            {
                double gamma = 0, m2 = 0, residual = residualOutside;
                for (int i = 0; i < sigma2Values.Length; i++)
                {
                    double denominator = a + b * sigma2Values[i];
                    gamma += b * sigma2Values[i] / denominator;
                    // m = β A⁻¹ Fᵀy in the singular basis: component i is β σᵢ (uᵢᵀy) / (α + β σᵢ²);
                    // y - F m along uᵢ is α (uᵢᵀy) / (α + β σᵢ²).
                    m2 += b * b * sigma2Values[i] * p2[i] / (denominator * denominator);
                    double shrink = a / denominator;
                    residual += shrink * shrink * p2[i];
                }

                return (gamma, m2, residual);
            }

            for (int iteration = 0; iteration < 50; iteration++)
            {
                var (gamma, m2, residual) = Moments(alpha, beta);
                double newAlpha = gamma / Math.Max(m2, 1e-12);
                double newBeta = (n - gamma) / Math.Max(residual, 1e-12);
                bool converged = Math.Abs(newAlpha - alpha) / alpha < 1e-6 && Math.Abs(newBeta - beta) / beta < 1e-6;
                alpha = newAlpha;
                beta = newBeta;
                if (converged) break;
            }

            var (_, finalM2, finalResidual) = Moments(alpha, beta);
            double logDet = sigma2Values.Sum(v => Math.Log(alpha + beta * v)) + (d - sigma2Values.Length) * Math.Log(alpha);
            double evidence = 0.5 * (n * Math.Log(beta) + d * Math.Log(alpha) - n * Math.Log(2 * Math.PI) - beta * finalResidual - alpha * finalM2 - logDet) / n;
            total += evidence;
        }

        return total / Math.Max(1, columns);
    }
}
