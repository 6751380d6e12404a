using System.Numerics;
using Graft.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Augmentation;

public class AugmentationSeedsTests
{
    private static readonly FeatureAugmentation Pipeline = new("image",
        [new RandomCrop(6, padding: 2), new RandomHorizontalFlip(), new GaussianNoise(0.05)]);

    private static float[] Augment(Tensor images, long seed, int epoch, long batchIndex)
    {
        using var batch = new Graft.Data.Batch(new Dictionary<string, Tensor> { ["image"] = images.clone() });
        using var g = AugmentationSeeds.For(seed, epoch, batchIndex);
        Pipeline.ApplyTo(batch, g);
        return batch["image"].data<float>().ToArray();
    }

    [Fact]
    public void The_same_seed_epoch_and_batch_give_identical_augmentations()
    {
        using var source = new Generator(1, torch.CPU);
        using var images = torch.rand([8, 3, 6, 6], generator: source);

        Assert.Equal(Augment(images, 7, 2, 5), Augment(images, 7, 2, 5));
    }

    [Fact]
    public void Another_batch_index_epoch_or_seed_gives_a_different_augmentation()
    {
        using var source = new Generator(1, torch.CPU);
        using var images = torch.rand([8, 3, 6, 6], generator: source);
        var reference = Augment(images, 7, 2, 5);

        Assert.NotEqual(reference, Augment(images, 7, 2, 6));
        Assert.NotEqual(reference, Augment(images, 7, 3, 5));
        Assert.NotEqual(reference, Augment(images, 8, 2, 5));
    }

    [Fact]
    public void Neighbouring_inputs_give_unrelated_seeds()
    {
        ulong a = AugmentationSeeds.SeedFor(0, 0, 0);
        ulong[] neighbours = [AugmentationSeeds.SeedFor(0, 0, 1), AugmentationSeeds.SeedFor(0, 1, 0), AugmentationSeeds.SeedFor(1, 0, 0)];

        foreach (var n in neighbours)
            Assert.InRange(BitOperations.PopCount(a ^ n), 16, 48);
        Assert.Equal(4, neighbours.Append(a).Distinct().Count());
        Assert.Equal(a, AugmentationSeeds.SeedFor(0, 0, 0));
    }
}
