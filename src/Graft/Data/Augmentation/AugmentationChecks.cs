using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>Argument checks shared by the image augmentations.</summary>
internal static class AugmentationChecks
{
    /// <summary>Throws unless <paramref name="batch"/> is a 4-dimensional <c>[B, C, H, W]</c> tensor.</summary>
    public static void ImageBatch(Tensor batch, string augmentation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.dim() != 4)
            throw new ArgumentException(
                $"{augmentation} expects a batch of images [B, C, H, W]; the tensor has shape [{string.Join(", ", batch.shape)}].", nameof(batch));
    }
}
