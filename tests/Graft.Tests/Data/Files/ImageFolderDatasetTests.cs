using Graft.Data;
using Graft.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Files;

public class ImageFolderDatasetTests
{
    [Fact]
    public void Classes_are_the_sorted_folder_names_and_labels_their_positions()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("root/dog/a.png"), 2, 3, seed: 1);
        TestImages.GrayPng(tmp.File("root/cat/c.png"), 2, 3, seed: 2);
        TestImages.GrayPng(tmp.File("root/cat/b.PNG"), 2, 3, seed: 3);
        tmp.Folder("root/bird");
        tmp.WriteText("root/cat/notes.txt", "not an image");
        tmp.WriteText("root/cat/._b.png", "a resource fork, not an image");
        TestImages.GrayPng(tmp.File("root/.ipynb_checkpoints/a.png"), 2, 3);
        TestImages.GrayPng(tmp.File("root/dog/.cache/a.png"), 2, 3);

        var data = new ImageFolderDataset(tmp.File("root"));

        Assert.Equal(new[] { "bird", "cat", "dog" }, data.Classes);
        Assert.Equal(3, data.Count);
        Assert.Equal(new[] { "cat/b.PNG", "cat/c.png", "dog/a.png" }, data.Files.Select(f => Path.GetRelativePath(data.Root, f).Replace('\\', '/')));
        var feature = data.Schema.Feature("image");
        Assert.Equal(new long[] { 1, 2, 3 }, feature.SampleShape);
        Assert.Equal(ScalarType.Float32, feature.DType);
        var label = data.Schema.Label("label");
        Assert.Equal(LabelKind.Class, label.Kind);
        Assert.Equal(new[] { "bird", "cat", "dog" }, label.Classes);

        using var batch = data.GetBatch([2, 0, 1]);
        Assert.Equal(new long[] { 2, 1, 1 }, batch["label"].data<long>().ToArray());
        Assert.Equal(0, batch.Labels["label"].MissingCount);
        Assert.Equal(new long[] { 2, 0, 1 }, batch.Indices);
    }

    [Fact]
    public void Pixels_are_bytes_over_255_in_channel_first_order()
    {
        using var tmp = new TempFolder();
        // 2x2 RGB, pixel (y, x) = (r, g, b) with distinct bytes.
        byte[] rgb = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 255];
        TestImages.Png(tmp.File("root/only/img.png"), 2, 2, rgb, 3);

        var data = new ImageFolderDataset(tmp.File("root"));
        using var batch = data.GetBatch([0]);

        var image = batch["image"];
        Assert.Equal(new long[] { 1, 3, 2, 2 }, image.shape);
        float[] expected = [10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 255];
        Assert.Equal(expected.Select(v => v / 255f), image.data<float>().ToArray());
    }

    [Fact]
    public void Bmp_and_jpeg_files_decode_like_png()
    {
        using var tmp = new TempFolder();
        var pixels = Enumerable.Range(0, 4 * 4 * 3).Select(i => (byte)(i * 5)).ToArray();
        TestImages.Bmp(tmp.File("root/a/1.bmp"), 4, 4, pixels, 3);
        var flat = Enumerable.Repeat((byte)120, 4 * 4 * 3).ToArray();
        TestImages.Jpg(tmp.File("root/b/2.jpg"), 4, 4, flat, 3);

        var data = new ImageFolderDataset(tmp.File("root"));
        using var batch = data.GetBatch([0, 1]);

        var bmp = batch["image"][0];
        Assert.Equal(pixels[3 * (4 * 1 + 2) + 1] / 255f, bmp[1, 1, 2].item<float>());   // green of pixel (1, 2)
        var jpg = batch["image"][1];
        Assert.True(jpg.sub(120f / 255f).abs().max().item<float>() < 3f / 255f);
    }

    [Fact]
    public void Channels_default_to_the_first_image_and_other_images_are_converted()
    {
        using var tmp = new TempFolder();
        TestImages.SolidGrayPng(tmp.File("root/a/gray.png"), 2, 2, 100);
        TestImages.Png(tmp.File("root/b/rgb.png"), 2, 2, Enumerable.Repeat((byte)60, 12).ToArray(), 3);

        var gray = new ImageFolderDataset(tmp.File("root"));
        Assert.Equal(new long[] { 1, 2, 2 }, gray.Schema.Feature("image").SampleShape);
        using (var batch = gray.GetBatch([1]))
            Assert.All(batch["image"].data<float>().ToArray(), v => Assert.Equal(60 / 255f, v));

        var rgb = new ImageFolderDataset(tmp.File("root"), new ImageFolderOptions { Channels = 3 });
        Assert.Equal(new long[] { 3, 2, 2 }, rgb.Schema.Feature("image").SampleShape);
        using (var batch = rgb.GetBatch([0]))
            Assert.All(batch["image"].data<float>().ToArray(), v => Assert.Equal(100 / 255f, v));
    }

    [Fact]
    public void Resize_brings_every_image_to_the_target_size()
    {
        using var tmp = new TempFolder();
        TestImages.SolidGrayPng(tmp.File("root/a/big.png"), 6, 4, 200);
        TestImages.GrayPng(tmp.File("root/a/small.png"), 2, 2);

        var data = new ImageFolderDataset(tmp.File("root"), new ImageFolderOptions { Resize = new ImageSize(3, 2) });

        Assert.Equal(new long[] { 1, 3, 2 }, data.Schema.Feature("image").SampleShape);
        using var batch = data.GetBatch([0, 1]);
        Assert.Equal(new long[] { 2, 1, 3, 2 }, batch["image"].shape);
        Assert.True(batch["image"][0].sub(200f / 255f).abs().max().item<float>() < 1e-6f);
        var small = batch["image"][1];
        Assert.True(small.min().item<float>() >= 0 && small.max().item<float>() <= 11f / 255f + 1e-6f);
    }

    [Fact]
    public void An_image_of_another_size_fails_its_batch_naming_the_file_and_both_sizes()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("root/a/1.png"), 2, 3);
        TestImages.GrayPng(tmp.File("root/a/2.png"), 4, 5);

        var data = new ImageFolderDataset(tmp.File("root"));
        using (var ok = data.GetBatch([0])) Assert.Equal(1, ok.Size);
        var error = Assert.Throws<DataFormatException>(() => data.GetBatch([0, 1]));

        Assert.EndsWith("2.png", error.Path);
        Assert.Contains("2.png", error.Message);
        Assert.Contains("4x5", error.Message);
        Assert.Contains("2x3", error.Message);
        Assert.Contains("1.png", error.Message);
        Assert.Contains("Resize", error.Message);
    }

    [Fact]
    public void A_corrupt_image_fails_its_batch_naming_the_file()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("root/a/1.png"), 2, 3);
        File.WriteAllBytes(tmp.File("root/a/2.png"), "this is not a PNG file at all"u8.ToArray());

        var data = new ImageFolderDataset(tmp.File("root"));
        var error = Assert.Throws<DataFormatException>(() => data.GetBatch([1]));

        Assert.EndsWith("2.png", error.Path);
        Assert.Contains("2.png", error.Message);
        Assert.Contains("PNG", error.Message);
    }

    [Fact]
    public void A_truncated_image_fails_its_batch_naming_the_file()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("root/a/1.png"), 24, 24);
        var whole = File.ReadAllBytes(TestImages.GrayPng(tmp.File("root/a/2.png"), 24, 24, seed: 7));
        File.WriteAllBytes(tmp.File("root/a/2.png"), whole[..(whole.Length / 2)]);

        var data = new ImageFolderDataset(tmp.File("root"));
        var error = Assert.Throws<DataFormatException>(() => data.GetBatch([1]));

        Assert.Contains("2.png", error.Message);
        Assert.True(error.Message.Contains("corrupt"), error.Message);
        Assert.True(error.Location is null, error.Message);
    }

    [Fact]
    public void A_corrupt_first_image_fails_at_construction_naming_the_file()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("root/a/1.jpg"), new byte[40]);

        var error = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(tmp.File("root")));

        Assert.Contains("1.jpg", error.Message);
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void A_folder_without_class_folders_or_images_is_rejected_naming_the_folder()
    {
        using var tmp = new TempFolder();
        var root = tmp.Folder("root");
        var noClasses = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(root));
        Assert.Contains(root, noClasses.Message);
        Assert.Contains("no class sub-folders", noClasses.Message);

        tmp.Folder("root/cat");
        tmp.WriteText("root/dog/readme.txt", "x");
        var noImages = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(root));
        Assert.Contains(root, noImages.Message);
        Assert.Contains("cat, dog", noImages.Message);
        Assert.Contains(".png", noImages.Message);

        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(tmp.File("missing")));
    }

    [Fact]
    public void GetBatch_from_several_threads_gives_the_same_tensors_as_from_one()
    {
        using var tmp = new TempFolder();
        for (int i = 0; i < 12; i++) TestImages.GrayPng(tmp.File($"root/c{i % 3}/{i}.png"), 5, 6, seed: i * 7);
        var data = new ImageFolderDataset(tmp.File("root"), new ImageFolderOptions { Channels = 3 });
        long[][] batches = Enumerable.Range(0, 8).Select(b => Enumerable.Range(0, 5).Select(k => (long)((b * 5 + k) % 12)).ToArray()).ToArray();
        float[][] expected = batches.Select(ix => { using var batch = data.GetBatch(ix); return batch["image"].data<float>().ToArray(); }).ToArray();

        var results = new float[4][][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            results[t] = new float[batches.Length][];
            for (int rep = 0; rep < 3; rep++)
                for (int b = 0; b < batches.Length; b++)
                {
                    using var batch = data.GetBatch(batches[(b + t) % batches.Length]);
                    results[t][(b + t) % batches.Length] = batch["image"].data<float>().ToArray();
                }
        });

        foreach (var perThread in results)
            for (int b = 0; b < batches.Length; b++)
                Assert.Equal(expected[b], perThread[b]);
    }

    [Fact]
    public void Batches_outlive_the_callers_dispose_scope()
    {
        using var tmp = new TempFolder();
        TestImages.SolidGrayPng(tmp.File("root/a/1.png"), 2, 2, 51);
        var data = new ImageFolderDataset(tmp.File("root"));

        Batch batch;
        using (torch.NewDisposeScope()) batch = data.GetBatch([0]);

        using (batch)
        {
            Assert.Equal(4 * 51 / 255f, batch["image"].sum().item<float>(), 5);
            Assert.Equal(0L, batch["label"].item<long>());
        }
    }

    [Fact]
    public void Out_of_range_indices_and_bad_options_are_rejected()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("root/a/1.png"), 2, 2);
        var data = new ImageFolderDataset(tmp.File("root"));

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => data.GetBatch([1]));
        Assert.Contains("Sample index 1", range.Message);
        Assert.Equal("Channels", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolderOptions { Channels = 2 }).ParamName);
        Assert.Equal("Resize", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolderOptions { Resize = default(ImageSize) }).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageSize(3, 0)).ParamName);
        Assert.Equal("LabelName", Assert.Throws<ArgumentException>(() => new ImageFolderOptions { LabelName = " " }).ParamName);
    }

    [Fact]
    public void An_empty_batch_has_the_sample_shape()
    {
        using var tmp = new TempFolder();
        TestImages.GrayPng(tmp.File("root/a/1.png"), 2, 3);
        var data = new ImageFolderDataset(tmp.File("root"));

        using var batch = data.GetBatch([]);

        Assert.Equal(new long[] { 0, 1, 2, 3 }, batch["image"].shape);
        Assert.Equal(new long[] { 0 }, batch["label"].shape);
    }
}
