using System.Net;
using System.Net.Sockets;
using Graft.Weights;
using Graft.Weights.Formats;
using Graft.Weights.Loading;

namespace Graft.Tests.Weights;

public class WeightsStoreTests
{
    /// <summary>Serves <paramref name="body"/> on a local port for every request; returns its URL.</summary>
    private static (HttpListener Listener, string Url) Serve(byte[] body)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try
                {
                    var context = await listener.GetContextAsync();
                    context.Response.ContentLength64 = body.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });
        return (listener, $"http://127.0.0.1:{port}/net.safetensors");
    }

    [Fact]
    public void A_URL_entry_is_downloaded_into_the_cache_under_its_digest_once_verified()
    {
        using var folder = new WeightsFolder();
        var local = folder.Save(Nets.ConvNet(seed: 1), "net.safetensors");
        var (listener, url) = Serve(File.ReadAllBytes(local.Source));
        using (listener)
        {
            var entry = local with { Source = url };
            var cache = folder.File("cache");
            var path = WeightsStore.Locate(entry, cache);
            Assert.Equal(Path.Combine(cache, entry.Sha256 + ".safetensors"), path);
            Assert.Equal(entry.Sha256, WeightsEntry.HashFile(path));
            Assert.Equal(WeightsFile.Read(local.Source).Keys, WeightsFile.Read(path).Keys);
        }
    }

    [Fact]
    public void A_download_with_another_digest_is_refused_and_not_cached()
    {
        using var folder = new WeightsFolder();
        var local = folder.Save(Nets.ConvNet(seed: 1), "net.safetensors");
        var (listener, url) = Serve([1, 2, 3]);
        using (listener)
        {
            var cache = folder.File("cache");
            var e = Assert.Throws<WeightsVerificationException>(() => WeightsStore.Locate(local with { Source = url }, cache));
            Assert.Contains(url, e.Message);
            Assert.False(Directory.Exists(cache) && Directory.EnumerateFiles(cache).Any());
        }
    }
}
