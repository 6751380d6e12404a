using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Weights;

/// <summary>The order of the colour channels of images.</summary>
public enum ChannelOrder
{
    /// <summary>Whatever order the data has (grey images, non-image data).</summary>
    AsGiven,

    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV's order).</summary>
    Bgr,
}

/// <summary>
/// The preprocessing a weights entry expects of its inputs, as an object that can be applied to tensors:
/// optional resizing of images (bilinear), channel reordering, scaling, then normalisation
/// <c>(x * Scale - Mean) / Std</c> per channel (images <c>[N, C, H, W]</c> or <c>[C, H, W]</c>) or per feature
/// (tables <c>[N, F]</c>).
/// </summary>
/// <example><code>
/// var pre = new Preprocessing { Resize = [28, 28], Mean = [0.2860], Std = [0.3530] };
/// using var x = pre.Apply(images);
/// </code></example>
public sealed record Preprocessing
{
    /// <summary>No preprocessing: <see cref="Apply"/> returns a copy of its input.</summary>
    public static Preprocessing None { get; } = new();

    /// <summary>The image size [height, width] inputs are resized to, or null to leave sizes alone.</summary>
    public IReadOnlyList<int>? Resize { get; init; }

    /// <summary>The channel order the weights expect.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.AsGiven;

    /// <summary>A factor applied before normalisation (e.g. 1/255 for bytes); 1 leaves values alone.</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>The mean subtracted per channel (or per feature); empty for none.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [];

    /// <summary>The standard deviation divided by per channel (or per feature); empty for none.</summary>
    public IReadOnlyList<double> Std { get; init; } = [];

    /// <summary>The preprocessing in words, e.g. <c>resize 28x28, normalise mean [0.286] std [0.353]</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Resize is { Count: 2 } r) parts.Add($"resize {r[0]}x{r[1]}");
        if (ChannelOrder != ChannelOrder.AsGiven) parts.Add($"channels {ChannelOrder.ToString().ToUpperInvariant()}");
        if (Scale != 1.0) parts.Add(FormattableString.Invariant($"scale {Scale:G6}"));
        if (Mean.Count > 0 || Std.Count > 0)
            parts.Add($"normalise mean [{string.Join(", ", Mean.Select(F))}] std [{string.Join(", ", Std.Select(F))}]");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
        static string F(double v) => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Applies the preprocessing to <paramref name="input"/>, returning a new tensor (the input is not changed).</summary>
    /// <param name="input">Images <c>[N, C, H, W]</c> or <c>[C, H, W]</c>, or a table <c>[N, F]</c>.</param>
    /// <param name="inputOrder">The channel order of <paramref name="input"/>; channels are reversed when it differs from <see cref="ChannelOrder"/>.</param>
    /// <exception cref="ArgumentException">The input's rank does not fit, or the mean/std sizes do not match its channels or features.</exception>
    public Tensor Apply(Tensor input, ChannelOrder inputOrder = ChannelOrder.AsGiven)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Mean.Count != Std.Count && Mean.Count > 0 && Std.Count > 0)
            throw new ArgumentException($"Preprocessing has {Mean.Count} means but {Std.Count} standard deviations.");
        using var scope = NewDisposeScope();
        bool single = input.dim() == 3;
        var x = single ? input.unsqueeze(0) : input;
        if (!x.is_floating_point()) x = x.to_type(ScalarType.Float32);
        bool image = x.dim() == 4;
        if (!image && x.dim() != 2)
            throw new ArgumentException($"Preprocessing expects images [N, C, H, W] or [C, H, W] or a table [N, F]; the input has shape [{string.Join(", ", input.shape)}].");
        if (image && Resize is { Count: 2 } size && (x.shape[2] != size[0] || x.shape[3] != size[1]))
            x = nn.functional.interpolate(x, [size[0], size[1]], mode: InterpolationMode.Bilinear, align_corners: false);
        if (image && ChannelOrder != ChannelOrder.AsGiven && inputOrder != ChannelOrder.AsGiven && inputOrder != ChannelOrder)
            x = x.flip(1);
        if (Scale != 1.0) x = x * Scale;
        long channels = x.shape[1];
        if (Mean.Count > 0)
        {
            if (Mean.Count != 1 && Mean.Count != channels)
                throw new ArgumentException($"Preprocessing has {Mean.Count} means; the input has {channels} {(image ? "channels" : "features")}.");
            x = x - Shape(Mean, image, x.dtype);
        }

        if (Std.Count > 0)
        {
            if (Std.Count != 1 && Std.Count != channels)
                throw new ArgumentException($"Preprocessing has {Std.Count} standard deviations; the input has {channels} {(image ? "channels" : "features")}.");
            x = x / Shape(Std, image, x.dtype);
        }

        if (single) x = x.squeeze(0);
        if (ReferenceEquals(x, input)) x = x.clone();
        return x.contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor Shape(IReadOnlyList<double> values, bool image, ScalarType dtype)
    {
        var t = tensor(values.ToArray(), dtype: dtype);
        return image ? t.view(1, -1, 1, 1) : t.view(1, -1);
    }
}
