namespace Graft.Data.Files;

/// <summary>The height and width of an image in pixels.</summary>
public readonly record struct ImageSize
{
    /// <summary>Creates a size; both dimensions must be positive.</summary>
    /// <param name="height">The height in pixels (at least 1).</param>
    /// <param name="width">The width in pixels (at least 1).</param>
    public ImageSize(int height, int width)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "An image height must be at least 1 pixel.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "An image width must be at least 1 pixel.");
        Height = height;
        Width = width;
    }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The size as <c>HxW</c>, e.g. <c>28x28</c>.</summary>
    public override string ToString() => $"{Height}x{Width}";
}
