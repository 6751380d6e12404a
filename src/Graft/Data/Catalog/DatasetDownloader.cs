using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Graft.Data.Formats.Idx;

namespace Graft.Data.Catalog;

/// <summary>Downloads dataset files into a cache: to a temporary file first, checked, then renamed into place.</summary>
internal static class DatasetDownloader
{
    /// <summary>
    /// Downloads <paramref name="address"/> to <paramref name="target"/>. The data goes to a temporary file next to the
    /// target, is checked with <paramref name="verify"/> (which throws on a bad file) and is then renamed, so the target
    /// is either absent or complete.
    /// </summary>
    public static void Download(Uri address, string target, Action<string> verify, HttpMessageHandler? handler, TimeSpan timeout, long maxBytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        string temp = $"{target}.{Guid.NewGuid():N}.part";
        try
        {
            DownloadAsync(address, temp, handler, timeout, maxBytes).ConfigureAwait(false).GetAwaiter().GetResult();
            verify(temp);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static async Task DownloadAsync(Uri address, string path, HttpMessageHandler? handler, TimeSpan timeout, long maxBytes)
    {
        var actualHandler = handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(20) };
        using var client = new HttpClient(actualHandler, disposeHandler: handler is null) { Timeout = timeout };
        using var response = await client.GetAsync(address, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{address} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
            throw new HttpRequestException($"{address} announces {declared} bytes, more than the {maxBytes} expected.");
        await using var source = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > maxBytes) throw new HttpRequestException($"{address} sent more than the {maxBytes} bytes expected.");
            await file.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
        }
    }

    /// <summary>The MD5 of a file's bytes, as lower-case hex.</summary>
    public static string Md5(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }

    /// <summary>The MD5 of a gzip file's decompressed content, as lower-case hex; null when the file is not gzip or is corrupt.</summary>
    public static string? ContentMd5(string path, long maxBytes)
    {
        using var file = File.OpenRead(path);
        if (!GzipDetection.IsGzip(file)) return null;
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 16];
        long total = 0;
        try
        {
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                total += read;
                if (total > maxBytes) return null;
                md5.AppendData(buffer, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            return null;
        }

        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>Formats a byte count for messages.</summary>
    public static string Bytes(long count) => count.ToString("N0", CultureInfo.InvariantCulture);
}
