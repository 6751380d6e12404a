using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>
/// One random transformation applied to a whole batch of one feature (e.g. images <c>[B, C, H, W]</c>). All randomness
/// must come from the generator passed to <see cref="Apply"/> so that a seeded run is reproducible, also when batches are prepared on a
/// background thread.
/// </summary>
public interface IBatchAugmentation
{
    /// <summary>Returns the augmented batch as a new tensor; <paramref name="batch"/> is left unchanged.</summary>
    /// <param name="batch">The feature tensor of one batch.</param>
    /// <param name="generator">The random generator for this batch (seeded from the run seed, epoch and batch index).</param>
    Tensor Apply(Tensor batch, Generator generator);
}

/// <summary>The augmentations applied, in order, to one feature of every training batch.</summary>
/// <param name="Feature">The feature to augment, e.g. <c>image</c>.</param>
/// <param name="Steps">The augmentations, applied in order.</param>
public sealed record FeatureAugmentation(string Feature, IReadOnlyList<IBatchAugmentation> Steps);
