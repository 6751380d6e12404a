using StbImageWriteSharp;

namespace Graft.Tests.Data.Files;

/// <summary>A temporary folder for generated data files, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside the folder; its parent folders are created.</summary>
    public string File(string relative)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public string Folder(string relative) => Directory.CreateDirectory(System.IO.Path.Combine(Path, relative)).FullName;

    public string WriteText(string relative, string text)
    {
        var full = File(relative);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Writes small images with known pixels (interleaved bytes, row by row, channels last).</summary>
internal static class TestImages
{
    public static string Png(string path, int height, int width, byte[] pixels, int channels) =>
        Write(path, (w, s) => w.WritePng(pixels, width, height, Components(channels), s));

    public static string Bmp(string path, int height, int width, byte[] pixels, int channels) =>
        Write(path, (w, s) => w.WriteBmp(pixels, width, height, Components(channels), s));

    public static string Jpg(string path, int height, int width, byte[] pixels, int channels) =>
        Write(path, (w, s) => w.WriteJpg(pixels, width, height, Components(channels), s, 100));

    /// <summary>A grayscale PNG whose pixel (y, x) is <c>seed + 10 * y + x</c>.</summary>
    public static string GrayPng(string path, int height, int width, int seed = 0)
    {
        var pixels = new byte[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                pixels[y * width + x] = (byte)(seed + 10 * y + x);
        return Png(path, height, width, pixels, 1);
    }

    /// <summary>A grayscale PNG whose every pixel is <paramref name="value"/>.</summary>
    public static string SolidGrayPng(string path, int height, int width, byte value) =>
        Png(path, height, width, Enumerable.Repeat(value, height * width).ToArray(), 1);

    private static ColorComponents Components(int channels) => channels switch
    {
        1 => ColorComponents.Grey,
        2 => ColorComponents.GreyAlpha,
        3 => ColorComponents.RedGreenBlue,
        4 => ColorComponents.RedGreenBlueAlpha,
        _ => throw new ArgumentOutOfRangeException(nameof(channels)),
    };

    private static string Write(string path, Action<ImageWriter, Stream> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        write(new ImageWriter(), stream);
        return path;
    }
}
