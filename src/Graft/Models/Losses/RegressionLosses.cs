using System.ComponentModel;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Losses;

/// <summary>Mean squared error between prediction and target, averaged per sample, then over the samples the mask selects.</summary>
[Loss("mse", Description = "Mean squared error between prediction and target values.")]
public sealed class SquaredError : ILoss
{
    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; } = ["prediction", "target"];

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null) =>
        LossMath.Regression("mse", InputNames, inputs, mask, (p, t) => (p - t).square());
}

/// <summary>Mean absolute error between prediction and target, averaged per sample, then over the samples the mask selects.</summary>
[Loss("l1", Description = "Mean absolute error between prediction and target values.")]
[Loss("mae", Description = "Mean absolute error between prediction and target values (the same as l1).")]
public sealed class AbsoluteError : ILoss
{
    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; } = ["prediction", "target"];

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null) =>
        LossMath.Regression("l1", InputNames, inputs, mask, (p, t) => (p - t).abs());
}

/// <summary>
/// Smooth L1 (Huber-like) loss: <c>0.5 d² / beta</c> where <c>|d| &lt; beta</c>, else <c>|d| - 0.5 beta</c>; with
/// <c>beta = 0</c> it is the L1 loss.
/// </summary>
[Loss("smooth_l1", Description = "Squared error for small differences and absolute error for large ones, switching at beta.")]
public sealed class SmoothL1 : ILoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="beta">Where the loss turns from squared to absolute; 0 or more.</param>
    public SmoothL1([Description("the difference where the loss turns from squared to absolute; 0 or more")] double beta = 1)
    {
        if (!(beta >= 0) || double.IsInfinity(beta))
            throw new ArgumentException($"beta must be a finite number of 0 or more; it is {beta}.", nameof(beta));
        Beta = beta;
    }

    /// <summary>Where the loss turns from squared to absolute.</summary>
    public double Beta { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; } = ["prediction", "target"];

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null) =>
        LossMath.Regression("smooth_l1", InputNames, inputs, mask, (p, t) => nn.functional.smooth_l1_loss(p, t, nn.Reduction.None, Beta));
}
