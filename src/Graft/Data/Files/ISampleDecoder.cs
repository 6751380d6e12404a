using static TorchSharp.torch;

namespace Graft.Data.Files;

/// <summary>
/// The per-sample shape and element type that every sample file of a lazy dataset must decode to (without the leading
/// sample dimension).
/// </summary>
/// <param name="Shape">The shape of one sample, e.g. <c>[C, H, W]</c>.</param>
/// <param name="DType">The element type of the decoded tensor.</param>
internal sealed record SampleLayout(long[] Shape, ScalarType DType)
{
    /// <summary>Whether a tensor of <paramref name="shape"/> and <paramref name="dtype"/> fits this layout.</summary>
    public bool Matches(long[] shape, ScalarType dtype) => dtype == DType && shape.AsSpan().SequenceEqual(Shape);

    /// <summary>The layout as text, e.g. <c>Float32 [3, 32, 32]</c>.</summary>
    public override string ToString() => $"{DType} [{string.Join(", ", Shape)}]";
}

/// <summary>
/// Decodes one kind of sample file (chosen by file extension) into a tensor. This is the seam through which lazy file
/// datasets support more file types: a decoder for <c>.npy</c> tensors plugs in here (see
/// <see cref="SampleDecoders"/>). Implementations must be stateless (or immutable) so that they can be called from
/// several threads at once.
/// </summary>
internal interface ISampleDecoder
{
    /// <summary>The feature name a dataset uses when the options do not give one (e.g. <c>image</c>).</summary>
    string DefaultFeatureName { get; }

    /// <summary>Reads only as much of <paramref name="path"/> as needed to tell the layout it decodes to.</summary>
    /// <exception cref="DataFormatException">The file is not readable as this kind of sample.</exception>
    SampleLayout Probe(string path);

    /// <summary>
    /// Decodes <paramref name="path"/> into a new tensor of exactly <paramref name="expected"/>'s shape and dtype.
    /// </summary>
    /// <param name="path">The sample file.</param>
    /// <param name="expected">The dataset's sample layout.</param>
    /// <param name="expectedSource">Where the expected layout came from, for error messages (e.g. <c>the first image, a.png</c>).</param>
    /// <exception cref="DataFormatException">The file is corrupt or does not fit <paramref name="expected"/>.</exception>
    Tensor Decode(string path, SampleLayout expected, string expectedSource);
}

/// <summary>Settings shared by the image decoders of the lazy datasets.</summary>
/// <param name="Channels">1, 3, or null to take the channel count from the first image.</param>
/// <param name="Resize">The target size, or null to keep (and require) the first image's size.</param>
internal sealed record ImageSettings(int? Channels, ImageSize? Resize);

/// <summary>Chooses the decoder for a sample file by its extension.</summary>
internal static class SampleDecoders
{
    /// <summary>The image file extensions the image decoder reads (lower case, with the dot).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Every extension some decoder reads, for error messages.</summary>
    public static IReadOnlyList<string> SupportedExtensions => [.. ImageExtensions, ".npy"];

    /// <summary>Whether <paramref name="path"/> has one of the image extensions (case-insensitive).</summary>
    public static bool IsImage(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// The decoder for files with <paramref name="extension"/>, or null when no decoder reads them. Add further file
    /// kinds here (e.g. <c>".npy" =&gt; new NpySampleDecoder()</c>).
    /// </summary>
    /// <param name="extension">The extension, with the dot, any case.</param>
    /// <param name="images">The image settings for image files.</param>
    public static ISampleDecoder? For(string extension, ImageSettings images) =>
        ImageExtensions.Contains(extension.ToLowerInvariant()) ? new ImageSampleDecoder(images)
        : extension.Equals(".npy", StringComparison.OrdinalIgnoreCase) ? new NpySampleDecoder()
        : null;
}
