using Graft.Data;
using Graft.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Augmentation;

public class FeatureAugmentationExtensionsTests
{
    private static Batch ImageBatch() => new(
        new Dictionary<string, Tensor> { ["image"] = torch.arange(6, ScalarType.Float32).reshape(1, 1, 2, 3) },
        new Dictionary<string, LabelTensor> { ["label"] = new(torch.zeros(1, ScalarType.Int64), torch.ones(1, ScalarType.Bool)) });

    [Fact]
    public void ApplyTo_replaces_the_feature_with_the_result_of_every_step_in_order()
    {
        using var batch = ImageBatch();
        var original = batch["image"];
        var flipThenCrop = new FeatureAugmentation("image", [new RandomHorizontalFlip(1), new RandomCrop((1, 3), padding: 0)]);
        using var g = new Generator(0, torch.CPU);

        flipThenCrop.ApplyTo(batch, g);

        Assert.Equal(new long[] { 1, 1, 1, 3 }, batch["image"].shape);
        var row = batch["image"].data<float>().ToArray();
        Assert.True(row.SequenceEqual(new float[] { 2, 1, 0 }) || row.SequenceEqual(new float[] { 5, 4, 3 }), string.Join(",", row));
        Assert.True(original.IsInvalid, "the replaced tensor is disposed");
        Assert.Equal(0L, batch["label"].item<long>());
    }

    [Fact]
    public void The_augmented_feature_outlives_the_callers_dispose_scope()
    {
        using var batch = ImageBatch();
        using (torch.NewDisposeScope())
        {
            using var g = new Generator(0, torch.CPU);
            new FeatureAugmentation("image", [new RandomHorizontalFlip(1)]).ApplyTo(batch, g);
        }

        Assert.Equal(new float[] { 2, 1, 0, 5, 4, 3 }, batch["image"].data<float>().ToArray());
    }

    [Fact]
    public void A_missing_feature_names_it_and_the_features_the_batch_has()
    {
        using var batch = ImageBatch();
        using var g = new Generator(0, torch.CPU);

        var error = Assert.Throws<KeyNotFoundException>(() => new FeatureAugmentation("pixels", [new RandomHorizontalFlip()]).ApplyTo(batch, g));

        Assert.Equal("Cannot augment feature 'pixels': the batch has no such feature. Its features are: image.", error.Message);
    }

    [Fact]
    public void No_steps_leave_the_feature_untouched()
    {
        using var batch = ImageBatch();
        var original = batch["image"];
        using var g = new Generator(0, torch.CPU);

        new FeatureAugmentation("image", []).ApplyTo(batch, g);

        Assert.Same(original, batch["image"]);
    }
}
