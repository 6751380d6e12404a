namespace Graft.Models.Blocks;

/// <summary>
/// Options shared by <see cref="ConvEncoder"/>, <see cref="ConvEncoder1d"/>, <see cref="ConvDecoder"/> and
/// <see cref="ConvDecoder1d"/>. Every property is checked when it is set.
/// </summary>
public sealed record ConvStackOptions
{
    private readonly double dropout;
    private readonly ActivationKind activation = ActivationKind.ReLU;
    private readonly int kernelSize = 3;
    private readonly int? maxChannels;

    /// <summary>The default options: batch norm, no dropout, ReLU, 3-wide kernels, no channel cap.</summary>
    public static ConvStackOptions Default { get; } = new();

    /// <summary>Whether each stage normalises its convolution output with batch norm (default <c>true</c>).
    /// A stage with batch norm has no convolution bias.</summary>
    public bool BatchNorm { get; init; } = true;

    /// <summary>Dropout probability after each stage's activation, in [0, 1) (default 0: no dropout layer).</summary>
    public double Dropout
    {
        get => dropout;
        init => dropout = value is >= 0 and < 1 && !double.IsNaN(value)
            ? value
            : throw new ArgumentException($"Dropout must be in [0, 1); it is {value}.", nameof(Dropout));
    }

    /// <summary>The non-linearity of each stage (default <see cref="ActivationKind.ReLU"/>).</summary>
    public ActivationKind Activation
    {
        get => activation;
        init
        {
            Activations.Check(value, nameof(Activation));
            activation = value;
        }
    }

    /// <summary>Kernel width of the regular (stride 2 or stride 1) convolutions: odd, 3 to 15 (default 3).
    /// The exact-landing stage computes its own kernel.</summary>
    public int KernelSize
    {
        get => kernelSize;
        init => kernelSize = value is >= 3 and <= 15 && value % 2 == 1
            ? value
            : throw new ArgumentException($"KernelSize must be odd and between 3 and 15; it is {value}.", nameof(KernelSize));
    }

    /// <summary>
    /// Upper bound on the channels of the intermediate stages (default: none). The stage producing the output
    /// always has the output channels, and the cap never goes below the smaller of the input and output channels,
    /// so the channel schedule stays monotone.
    /// </summary>
    public int? MaxChannels
    {
        get => maxChannels;
        init => maxChannels = value is null or >= 1
            ? value
            : throw new ArgumentException($"MaxChannels must be at least 1; it is {value}.", nameof(MaxChannels));
    }

    /// <summary>
    /// Whether the last stage ends with batch norm, activation and dropout like the others. <c>null</c> (default)
    /// means the block decides: encoders activate their output (features for a following head), decoders end with a
    /// plain convolution with bias (reconstructions need an unbounded output).
    /// </summary>
    public bool? ActivateOutput { get; init; }
}
