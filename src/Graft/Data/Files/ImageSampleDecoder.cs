using StbImageSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Files;

/// <summary>
/// Decodes PNG, JPEG and BMP files (8 bits per channel; 16-bit PNGs are reduced to 8 bits) into <c>float32 [C, H, W]</c>
/// tensors with values in [0, 1]. Stateless and safe to use from several threads.
/// </summary>
internal sealed class ImageSampleDecoder : ISampleDecoder
{
    /// <summary>
    /// The most pixels one image may have (64 Mi, about 256 MB once decoded to RGBA): a larger header is taken for a
    /// corrupt file rather than allocating for it.
    /// </summary>
    public const long MaxPixels = 1L << 26;

    private readonly ImageSettings _settings;

    public ImageSampleDecoder(ImageSettings settings) => _settings = settings;

    public string DefaultFeatureName => "image";

    public SampleLayout Probe(string path)
    {
        ImageInfo info;
        using (var stream = File.OpenRead(path)) info = ReadHeader(path, stream);
        int channels = _settings.Channels ?? (info.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha ? 1 : 3);
        var size = _settings.Resize ?? new ImageSize(info.Height, info.Width);
        return new SampleLayout([channels, size.Height, size.Width], ScalarType.Float32);
    }

    public Tensor Decode(string path, SampleLayout expected, string expectedSource)
    {
        if (expected.DType != ScalarType.Float32 || expected.Shape.Length != 3 || expected.Shape[0] is not (1 or 3))
            throw new DataFormatException(path, $"an image decodes to float32 [C, H, W] with 1 or 3 channels, but the dataset's samples are {expected} ({expectedSource}).");
        int channels = (int)expected.Shape[0];
        long height = expected.Shape[1], width = expected.Shape[2];

        byte[] bytes = File.ReadAllBytes(path);
        ImageInfo info;
        using (var header = new MemoryStream(bytes, writable: false)) info = ReadHeader(path, header);
        if (_settings.Resize is null && (info.Height != height || info.Width != width))
            throw new DataFormatException(path,
                $"the image is {info.Height}x{info.Width} (height x width) but the dataset's images are {height}x{width} (the size of {expectedSource}); " +
                "every image must have the same size, or set the Resize option to resize them.");

        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(path, $"the image data is corrupt and could not be decoded ({e.Message}); expected a valid {Describe(path)} image.", inner: e);
        }

        if (image.Width != info.Width || image.Height != info.Height || image.Data.Length != (long)image.Width * image.Height * channels)
            throw new DataFormatException(path, $"the decoded image ({image.Height}x{image.Width}) does not match its header ({info.Height}x{info.Width}); the file is corrupt.");

        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(image.Data, [image.Height, image.Width, channels], ScalarType.Byte)
            .permute(2, 0, 1)
            .to_type(ScalarType.Float32)
            .div_(255f);
        if (image.Height != height || image.Width != width)
        {
            pixels = torch.nn.functional.interpolate(pixels.unsqueeze(0), [height, width], mode: InterpolationMode.Bilinear,
                    align_corners: false, antialias: true)
                .squeeze(0)
                .clamp_(0f, 1f);
        }

        return pixels.contiguous().MoveToOuterDisposeScope();
    }

    private static ImageInfo ReadHeader(string path, Stream stream)
    {
        ImageInfo? info;
        try
        {
            info = ImageInfo.FromStream(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(path, $"the image header could not be read ({e.Message}); expected a PNG, JPEG or BMP image.", "header", e);
        }

        if (info is not { } found)
            throw new DataFormatException(path, $"not a readable image: no valid PNG, JPEG or BMP header was found (the file is corrupt, truncated or of another format; expected a {Describe(path)} image).", "header");
        if (found.Width < 1 || found.Height < 1)
            throw new DataFormatException(path, $"the image header gives a size of {found.Height}x{found.Width}; expected a positive height and width.", "header");
        if ((long)found.Width * found.Height > MaxPixels)
            throw new DataFormatException(path,
                $"the image header gives a size of {found.Height}x{found.Width}, more than the {MaxPixels} pixels an image sample may have; the file is corrupt or not a training image.",
                "header");
        return found;
    }

    private static string Describe(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "PNG",
        ".jpg" or ".jpeg" => "JPEG",
        ".bmp" => "BMP",
        _ => "PNG, JPEG or BMP",
    };
}
