using static TorchSharp.torch;

namespace Graft.Models.Losses;

/// <summary>
/// A loss over a batch: takes its inputs in order (for most losses the prediction, then the target) and an optional
/// per-sample mask, and returns a scalar. Masked losses average over the samples whose mask bit is set; a batch with
/// no such sample gives exactly zero, with a zero gradient, never NaN.
/// </summary>
public interface ILoss
{
    /// <summary>What the inputs are, in order (e.g. <c>prediction</c>, <c>target</c>).</summary>
    IReadOnlyList<string> InputNames { get; }

    /// <summary>How many tensors <see cref="Compute"/> takes.</summary>
    int InputCount => InputNames.Count;

    /// <summary>The loss of one batch, a scalar tensor (attached to the graph of the inputs).</summary>
    /// <param name="inputs">The inputs, in the order of <see cref="InputNames"/>; their first dimension is the batch.</param>
    /// <param name="mask">Optional <c>[B]</c> (bool, or numbers where non-zero means set): only samples whose bit is set count.</param>
    /// <exception cref="ArgumentException">Wrong number of inputs, or shapes that do not fit; the message names the loss and the shapes.</exception>
    Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null);
}
