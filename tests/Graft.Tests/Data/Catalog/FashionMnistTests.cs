using System.Net;
using Graft.Data;
using Graft.Data.Catalog;
using Graft.Data.Formats.Idx;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Catalog;

public sealed class FashionMnistTests : IDisposable
{
    private const string Installed = "/usr/share/datasets/fashion-mnist";
    private const string InstalledTestImages = Installed + "/t10k-images-idx3-ubyte.gz";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "graft-fmnist-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _variables = new();

    public FashionMnistTests()
    {
        Directory.CreateDirectory(_root);
        Home = Dir("home");
        System = Dir("system");
    }

    private string Home { get; }

    private string System { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Dir(string relative)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(path);
        return path;
    }

    private DataEnvironment Environment(HttpMessageHandler? handler = null) =>
        new(name => _variables.GetValueOrDefault(name), Home, System, handler);

    /// <summary>Writes a small test split of <paramref name="count"/> samples: every pixel of sample i is i, label i % 10.</summary>
    private static void WriteSplit(string dir, int count, bool gzip = true, FashionMnistSplit split = FashionMnistSplit.Test)
    {
        Directory.CreateDirectory(dir);
        string prefix = split == FashionMnistSplit.Test ? "t10k" : "train";
        string suffix = gzip ? ".gz" : "";
        using var scope = NewDisposeScope();
        var images = torch.arange(count, dtype: ScalarType.Int32).reshape(count, 1, 1).expand(count, 28, 28).contiguous().to_type(ScalarType.Byte);
        var labels = torch.arange(count, dtype: ScalarType.Int32).remainder(10).to_type(ScalarType.Byte);
        IdxWriter.Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte{suffix}"), images, gzip);
        IdxWriter.Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte{suffix}"), labels, gzip);
    }

    private TensorDataset Load(FashionMnistOptions? options = null, HttpMessageHandler? handler = null) =>
        FashionMnist.Load(FashionMnistSplit.Test, options ?? new FashionMnistOptions { Download = false }, Environment(handler));

    [Fact]
    public void Graft_data_comes_first_then_the_system_directory_then_the_cache()
    {
        _variables["GRAFT_HOME"] = Dir("graft-home");
        WriteSplit(Path.Combine(_root, "graft-home", "data", "fashion-mnist"), 3);
        WriteSplit(Path.Combine(System, "fashion-mnist"), 4);
        WriteSplit(Path.Combine(_root, "mine", "fashion-mnist"), 5);

        _variables["GRAFT_DATA"] = Path.Combine(_root, "mine");
        using (var fromGraftData = Load()) Assert.Equal(5, fromGraftData.Count);

        _variables.Remove("GRAFT_DATA");
        using (var fromSystem = Load()) Assert.Equal(4, fromSystem.Count);

        Directory.Delete(Path.Combine(System, "fashion-mnist"), recursive: true);
        using (var fromCache = Load()) Assert.Equal(3, fromCache.Count);
    }

    [Fact]
    public void Files_directly_in_a_graft_data_directory_are_found_even_uncompressed()
    {
        string dir = Dir("flat");
        WriteSplit(dir, 6, gzip: false);
        _variables["GRAFT_DATA"] = Path.Combine(_root, "nothing-here") + Path.PathSeparator + dir;

        var (images, _) = FashionMnist.Locate(FashionMnistSplit.Test, new FashionMnistOptions { Download = false }, Environment());
        using var data = Load();

        Assert.Equal(Path.Combine(dir, "t10k-images-idx3-ubyte"), images);
        Assert.Equal(6, data.Count);
    }

    [Fact]
    public void The_cache_defaults_to_dot_graft_in_the_home_directory()
    {
        WriteSplit(Path.Combine(Home, ".graft", "data", "fashion-mnist"), 7);

        var dirs = FashionMnist.SearchDirectories(new FashionMnistOptions(), Environment());
        using var data = Load();

        Assert.Equal(new[] { Path.Combine(System, "fashion-mnist"), Path.Combine(Home, ".graft", "data", "fashion-mnist") }, dirs);
        Assert.Equal(7, data.Count);
    }

    [Fact]
    public void A_split_needs_both_of_its_files_in_the_same_directory()
    {
        string mine = Path.Combine(_root, "mine");
        WriteSplit(mine, 5);
        File.Delete(Path.Combine(mine, "t10k-labels-idx1-ubyte.gz"));
        WriteSplit(Path.Combine(System, "fashion-mnist"), 4);
        _variables["GRAFT_DATA"] = mine;

        using var data = Load();

        Assert.Equal(4, data.Count);
    }

    [Fact]
    public void Loaded_images_are_scaled_with_a_channel_and_labels_carry_the_class_names()
    {
        WriteSplit(Path.Combine(System, "fashion-mnist"), 12);

        using var data = Load(new FashionMnistOptions { Download = false, Limit = 11 });

        var image = data.Feature("image");
        Assert.Equal(new long[] { 11, 1, 28, 28 }, image.shape);
        Assert.Equal(10f / 255f, image[10, 0, 27, 27].item<float>(), 6);
        Assert.Equal(FashionMnist.ClassNames, data.Schema.Label("label").Classes);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0 }, data.Label("label").Values.data<long>().ToArray());
    }

    [Fact]
    public void The_class_names_are_the_ten_official_ones_in_order()
    {
        Assert.Equal(
            new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
            FashionMnist.ClassNames);
    }

    [Fact]
    public void A_directory_override_is_the_only_place_looked_at()
    {
        WriteSplit(Path.Combine(System, "fashion-mnist"), 4);
        string only = Dir("override");
        var server = new FakeServer(_ => throw new InvalidOperationException("no download expected"));

        var ex = Assert.Throws<DatasetNotFoundException>(() => Load(new FashionMnistOptions { Directory = only }, server));

        Assert.Equal(new[] { only, Path.Combine(only, "fashion-mnist") }, ex.SearchedDirectories);
        Assert.Contains("expected t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz", ex.Message);
        Assert.Empty(server.Requests);
        WriteSplit(Path.Combine(only, "fashion-mnist"), 2);
        using var data = Load(new FashionMnistOptions { Directory = only });
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Offline_the_error_says_how_to_install_the_dataset_and_leaves_no_partial_files()
    {
        var server = new FakeServer(_ => throw new HttpRequestException("Name or service not known (fashion-mnist.s3-website.eu-central-1.amazonaws.com:80)"));

        var ex = Assert.Throws<DatasetNotFoundException>(() => Load(new FashionMnistOptions(), server));

        Assert.Contains("sudo apt-get install dataset-fashion-mnist", ex.Message);
        Assert.Contains("set GRAFT_DATA", ex.Message);
        Assert.Contains("downloading it from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ failed: Name or service not known", ex.Message);
        Assert.Contains(Path.Combine(System, "fashion-mnist"), ex.Message);
        Assert.Equal(new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz"), Assert.Single(server.Requests));
        string cache = Path.Combine(Home, ".graft", "data", "fashion-mnist");
        Assert.True(!Directory.Exists(cache) || Directory.GetFiles(cache).Length == 0, "partial download left behind");
    }

    [Fact]
    public void An_http_error_status_is_a_failed_download()
    {
        var server = new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" });

        var ex = Assert.Throws<DatasetNotFoundException>(() => Load(new FashionMnistOptions(), server));

        Assert.Contains("answered 404 Not Found", ex.Message);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", ex.Message);
    }

    [Fact]
    public void With_downloads_off_nothing_is_requested()
    {
        var server = new FakeServer(_ => throw new InvalidOperationException("no download expected"));

        var ex = Assert.Throws<DatasetNotFoundException>(() => Load(new FashionMnistOptions { Download = false }, server));

        Assert.Contains("downloading is turned off. Install it with `sudo apt-get install dataset-fashion-mnist` or set GRAFT_DATA", ex.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void A_download_with_the_wrong_checksum_is_discarded()
    {
        var server = new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([0, 0, 8, 1, 0, 0, 0, 0]) });

        var ex = Assert.Throws<DatasetNotFoundException>(() => Load(new FashionMnistOptions(), server));

        Assert.Contains("the checksum does not match t10k-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains("expected bef4ecab320f06d8554ea6380940ec79", ex.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(Home, ".graft", "data", "fashion-mnist")));
    }

    [RequiresFileFact(InstalledTestImages, FashionMnist.DebianPackage)]
    public void A_verified_download_is_renamed_into_the_cache_and_loaded()
    {
        // The fake server serves Debian's copies: recompressed, so they pass on the checksum of their content.
        var server = new FakeServer(uri => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(File.OpenRead(Path.Combine(Installed, uri.Segments[^1]))),
        });
        _variables["GRAFT_HOME"] = Dir("graft-home");

        using var data = Load(new FashionMnistOptions { Limit = 5 }, server);

        string cache = Path.Combine(_root, "graft-home", "data", "fashion-mnist");
        Assert.Equal(
            new[] { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" },
            Directory.GetFiles(cache).Select(Path.GetFileName).Order());
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(5, data.Count);
        using var again = Load(new FashionMnistOptions { Limit = 5 }, server);
        Assert.Equal(2, server.Requests.Count);
    }

    [RequiresFileFact(InstalledTestImages, FashionMnist.DebianPackage)]
    public void The_installed_test_split_has_10000_images_and_1000_per_class()
    {
        using var data = FashionMnist.Load(FashionMnistSplit.Test, new FashionMnistOptions { Directory = Installed });

        var image = data.Feature("image");
        Assert.Equal(new long[] { 10000, 1, 28, 28 }, image.shape);
        Assert.Equal(ScalarType.Float32, image.dtype);
        Assert.Equal(0f, image.min().item<float>());
        Assert.Equal(1f, image.max().item<float>());
        Assert.Equal(Enumerable.Repeat(1000L, 10), data.Label("label").Values.bincount(null).data<long>().ToArray());
        Assert.Equal(FashionMnist.ClassNames, data.Schema.Label("label").Classes);
    }

    [RequiresFileFact(InstalledTestImages, FashionMnist.DebianPackage)]
    public void The_installed_train_split_loads_its_first_samples_quickly_with_a_limit()
    {
        using var data = FashionMnist.Load(FashionMnistSplit.Train, new FashionMnistOptions { Directory = Installed, Limit = 100 });

        Assert.Equal(new long[] { 100, 1, 28, 28 }, data.Feature("image").shape);
        Assert.Equal(100, data.Label("label").Values.shape[0]);
    }

    [RequiresFileFact(InstalledTestImages, FashionMnist.DebianPackage)]
    public void The_installed_files_match_the_checksums_of_the_official_data()
    {
        foreach (var split in new[] { FashionMnistSplit.Train, FashionMnistSplit.Test })
        {
            var (images, labels) = FashionMnist.Files(split);
            FashionMnist.Verify(Path.Combine(Installed, images.Name), images);
            FashionMnist.Verify(Path.Combine(Installed, labels.Name), labels);
        }

        var (testImages, testLabels) = FashionMnist.Files(FashionMnistSplit.Test);
        var ex = Assert.Throws<DataFormatException>(() => FashionMnist.Verify(Path.Combine(Installed, testLabels.Name), testImages));
        Assert.Contains("the checksum does not match t10k-images-idx3-ubyte.gz", ex.Message);
    }

    private sealed class FakeServer(Func<Uri, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<Uri> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!);
            try
            {
                return Task.FromResult(respond(request.RequestUri!));
            }
            catch (Exception ex)
            {
                return Task.FromException<HttpResponseMessage>(ex);
            }
        }
    }
}
