using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>Applies a <see cref="FeatureAugmentation"/> to a <see cref="Batch"/>.</summary>
public static class FeatureAugmentationExtensions
{
    /// <summary>
    /// Runs the augmentation's steps in order on the batch's feature <see cref="FeatureAugmentation.Feature"/> and
    /// replaces the feature with the result (the old tensor and every intermediate one are disposed). The batch owns the
    /// new tensor; it is not attached to any dispose scope.
    /// </summary>
    /// <param name="augmentation">The feature and its steps.</param>
    /// <param name="batch">The batch to change in place.</param>
    /// <param name="generator">The batch's random generator (see <see cref="AugmentationSeeds.For"/>).</param>
    /// <exception cref="KeyNotFoundException">The batch has no feature of that name.</exception>
    public static void ApplyTo(this FeatureAugmentation augmentation, Batch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        if (!batch.Features.TryGetValue(augmentation.Feature, out var original))
            throw new KeyNotFoundException(
                $"Cannot augment feature '{augmentation.Feature}': the batch has no such feature. Its features are: {(batch.Features.Count == 0 ? "(none)" : string.Join(", ", batch.Features.Keys))}.");
        if (augmentation.Steps.Count == 0) return;

        var current = original;
        try
        {
            foreach (var step in augmentation.Steps)
            {
                var next = step.Apply(current, generator);
                if (!ReferenceEquals(current, original) && !ReferenceEquals(next, current)) current.Dispose();
                current = next;
            }
        }
        catch
        {
            if (!ReferenceEquals(current, original)) current.Dispose();
            throw;
        }

        if (ReferenceEquals(current, original)) return;
        current.DetachFromDisposeScope();
        try
        {
            batch.ReplaceFeature(augmentation.Feature, current);
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }
}
