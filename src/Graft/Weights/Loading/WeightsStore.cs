namespace Graft.Weights.Loading;

/// <summary>
/// Where an entry's file is on this machine: local sources as they are; URL sources in the cache folder
/// <c>$GRAFT_HOME/weights</c> (default <c>~/.graft/weights</c>), named by their digest and downloaded on first use.
/// </summary>
public static class WeightsStore
{
    /// <summary>The cache folder for downloaded weights.</summary>
    public static string CacheDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("GRAFT_HOME") is { Length: > 0 } home ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".graft"), "weights");

    /// <summary>The local file of <paramref name="entry"/>, downloading a URL source into the cache when it is not there yet.</summary>
    /// <exception cref="WeightsException">The local file does not exist, or the download failed.</exception>
    public static string Locate(WeightsEntry entry) => Locate(entry, CacheDirectory);

    /// <summary>As <see cref="Locate(WeightsEntry)"/>, with the cache in <paramref name="cacheDirectory"/>.</summary>
    /// <exception cref="WeightsException">The local file does not exist, or the download failed.</exception>
    /// <exception cref="WeightsVerificationException">The downloaded file's digest differs from the entry's (it is not kept).</exception>
    public static string Locate(WeightsEntry entry, string cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDirectory);
        if (!entry.IsRemote)
        {
            var path = entry.LocalPath;
            if (!File.Exists(path)) throw new WeightsException($"weights {entry.Name}: the file {path} does not exist.");
            return path;
        }

        var ext = entry.Format == WeightsFormat.Safetensors ? ".safetensors" : ".ckpt";
        var cached = Path.Combine(cacheDirectory, entry.Sha256.ToLowerInvariant() + ext);
        if (File.Exists(cached)) return cached;
        byte[] bytes;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            bytes = http.GetByteArrayAsync(new Uri(entry.Source)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            throw new WeightsException($"weights {entry.Name}: cannot download {entry.Source}: {e.Message}", e);
        }

        // Only a download with the right digest enters the cache (named by that digest).
        var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new WeightsVerificationException(entry.Name, entry.Source, entry.Sha256.ToLowerInvariant(), actual);
        try
        {
            Directory.CreateDirectory(cacheDirectory);
            var tmp = cached + ".tmp-" + Environment.ProcessId;
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, cached, overwrite: true);
            return cached;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"weights {entry.Name}: cannot store the download in {cacheDirectory}: {e.Message}", e);
        }
    }
}
