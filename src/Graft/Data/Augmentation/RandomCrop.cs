using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data.Augmentation;

/// <summary>
/// Pads every image of a <c>[B, C, H, W]</c> batch by <see cref="Padding"/> pixels of <see cref="Fill"/> on each side,
/// then cuts a window of <see cref="Height"/> x <see cref="Width"/> pixels at an independent random offset for each
/// sample (uniform over all windows that fit in the padded image). The result is <c>[B, C, Height, Width]</c>.
/// </summary>
/// <remarks>
/// The random draws, from the given generator: the row offsets of all samples (<c>randint</c>, shape <c>[B]</c>), then
/// the column offsets. With <c>size = H</c> and a padding of 4 this is the usual "pad 4 and crop back" augmentation.
/// </remarks>
public sealed class RandomCrop : IBatchAugmentation
{
    /// <summary>Creates a square crop.</summary>
    /// <param name="size">The height and width of the crop (at least 1).</param>
    /// <param name="padding">Pixels added on each side before cropping (at least 0).</param>
    /// <param name="fill">The value of the padding pixels (finite).</param>
    public RandomCrop(int size, int padding = 0, double fill = 0)
        : this((size, size), padding, fill, nameof(size))
    {
    }

    /// <summary>Creates a crop of <paramref name="size"/> (height, width).</summary>
    /// <param name="size">The height and width of the crop (each at least 1).</param>
    /// <param name="padding">Pixels added on each side before cropping (at least 0).</param>
    /// <param name="fill">The value of the padding pixels (finite).</param>
    public RandomCrop((int Height, int Width) size, int padding = 0, double fill = 0)
        : this(size, padding, fill, nameof(size))
    {
    }

    private RandomCrop((int Height, int Width) size, int padding, double fill, string sizeName)
    {
        if (size.Height < 1 || size.Width < 1)
            throw new ArgumentOutOfRangeException(sizeName, size, $"The crop size must be at least 1x1; it is {size.Height}x{size.Width}.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding must be 0 or more pixels.");
        if (!double.IsFinite(fill)) throw new ArgumentOutOfRangeException(nameof(fill), fill, "The fill value must be a finite number.");
        Height = size.Height;
        Width = size.Width;
        Padding = padding;
        Fill = fill;
    }

    /// <summary>The height of the crop.</summary>
    public int Height { get; }

    /// <summary>The width of the crop.</summary>
    public int Width { get; }

    /// <summary>The padding added on each side before cropping.</summary>
    public int Padding { get; }

    /// <summary>The value of the padding pixels.</summary>
    public double Fill { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The batch is not <c>[B, C, H, W]</c> or the crop does not fit in the padded images.</exception>
    public Tensor Apply(Tensor batch, Generator generator)
    {
        AugmentationChecks.ImageBatch(batch, nameof(RandomCrop));
        ArgumentNullException.ThrowIfNull(generator);
        long b = batch.shape[0], c = batch.shape[1];
        long paddedH = batch.shape[2] + 2L * Padding, paddedW = batch.shape[3] + 2L * Padding;
        if (Height > paddedH || Width > paddedW)
            throw new ArgumentException(
                $"RandomCrop of {Height}x{Width} does not fit in images of {batch.shape[2]}x{batch.shape[3]} padded by {Padding} ({paddedH}x{paddedW}).", nameof(batch));

        using var scope = torch.NewDisposeScope();
        var rowOffsets = torch.randint(paddedH - Height + 1, [b], ScalarType.Int64, generator: generator).to(batch.device);
        var colOffsets = torch.randint(paddedW - Width + 1, [b], ScalarType.Int64, generator: generator).to(batch.device);
        var padded = Padding == 0
            ? batch
            : torch.nn.functional.pad(batch, [Padding, Padding, Padding, Padding], PaddingModes.Constant, Fill);
        var rows = rowOffsets.unsqueeze(1) + torch.arange(Height, ScalarType.Int64, batch.device);   // [B, h]
        var cols = colOffsets.unsqueeze(1) + torch.arange(Width, ScalarType.Int64, batch.device);    // [B, w]
        var rowIndex = rows.view(b, 1, Height, 1).expand(b, c, Height, paddedW);
        var band = padded.gather(2, rowIndex);                                                        // [B, C, h, Wp]
        var colIndex = cols.view(b, 1, 1, Width).expand(b, c, Height, Width);
        var result = band.gather(3, colIndex);                                                        // [B, C, h, w]
        return result.MoveToOuterDisposeScope();
    }
}
