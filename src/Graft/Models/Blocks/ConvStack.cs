using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>
/// A convolution stack built from a <see cref="ConvStackPlan"/>: the common base of <see cref="ConvEncoder"/>,
/// <see cref="ConvEncoder1d"/>, <see cref="ConvDecoder"/> and <see cref="ConvDecoder1d"/>.
/// Input <c>[batch, channels, spatial...]</c> of the plan's input shape; output of its output shape.
/// </summary>
public abstract class ConvStack : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    private protected ConvStack(ConvStackPlan plan)
        : base(plan.Block)
    {
        Layout = plan;
        layers = nn.Sequential(BuildLayers(plan));
        RegisterComponents();
    }

    /// <summary>The stages this module was built from.</summary>
    public ConvStackPlan Layout { get; }

    /// <summary>Input shape of one sample: channels, then the spatial sizes.</summary>
    public IReadOnlyList<long> InputShape => Layout.InputShape;

    /// <summary>Output shape of one sample: channels, then the spatial sizes.</summary>
    public IReadOnlyList<long> OutputShape => Layout.OutputShape;

    /// <summary>A table of the stages (see <see cref="ConvStackPlan.Describe"/>).</summary>
    public string Describe() => Layout.Describe();

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var expected = Layout.InputShape;
        if (input.dim() != expected.Count + 1 || !input.shape.AsSpan(1).SequenceEqual(expected.ToArray()))
        {
            string names = Layout.SpatialDims == 1 ? "channels, length" : "channels, height, width";
            throw new ArgumentException($"{Layout.Block} expects input [batch, {names}] = [batch, {string.Join(", ", expected)}]; it got {Shapes.Of(input)}.", nameof(input));
        }

        return layers.call(input);
    }

    private static IEnumerable<(string, nn.Module<Tensor, Tensor>)> BuildLayers(ConvStackPlan plan)
    {
        bool two = plan.SpatialDims == 2;
        foreach (var s in plan.Stages)
        {
            string p = $"stage{s.Index}_";
            if (s.Resampling == StageResampling.NearestUpsample)
                yield return (p + "upsample", nn.Upsample(size: s.OutputSize.ToArray(), mode: UpsampleMode.Nearest));
            bool bias = !s.BatchNorm;
            nn.Module<Tensor, Tensor> conv = (two, s.Transposed) switch
            {
                (true, false) => nn.Conv2d(s.InChannels, s.OutChannels, (s.Kernel[0], s.Kernel[1]), stride: (s.Stride[0], s.Stride[1]), padding: (s.Padding[0], s.Padding[1]), bias: bias),
                (true, true) => new ConvTranspose2dExact(s, bias),
                (false, false) => nn.Conv1d(s.InChannels, s.OutChannels, s.Kernel[0], stride: s.Stride[0], padding: s.Padding[0], bias: bias),
                (false, true) => nn.ConvTranspose1d(s.InChannels, s.OutChannels, s.Kernel[0], stride: s.Stride[0], padding: s.Padding[0], output_padding: s.OutputPadding[0], bias: bias),
            };
            yield return (p + (s.Transposed ? "convT" : "conv"), conv);
            if (s.BatchNorm)
                yield return (p + "bn", two ? nn.BatchNorm2d(s.OutChannels) : nn.BatchNorm1d(s.OutChannels));
            if (s.Activated)
                yield return (p + "act", Activations.Create(plan.Options.Activation));
            if (s.Dropout > 0)
                yield return (p + "dropout", nn.Dropout(s.Dropout));
            if (s.Resampling == StageResampling.AdaptiveAveragePool)
            {
                yield return (p + "pool", two
                    ? nn.AdaptiveAvgPool2d((s.OutputSize[0], s.OutputSize[1]))
                    : nn.AdaptiveAvgPool1d(s.OutputSize[0]));
            }
        }
    }
}

/// <summary>
/// A 2-D convolutional encoder from <c>[channels, height, width]</c> to a smaller <c>[channels, height, width]</c>,
/// for any sizes: stride-2 convolutions halve the spatial size stage by stage, a final stage lands exactly on the
/// target, and channels grow geometrically. <see cref="Plan"/> shows the stages without building anything.
/// </summary>
public sealed class ConvEncoder : ConvStack
{
    /// <summary>Creates the encoder.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, height, width), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, height, width); height and width at most those of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    public ConvEncoder(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null)
        : base(Plan(inputShape, outputShape, options))
    {
    }

    /// <summary>The stages a <see cref="ConvEncoder"/> with these arguments would have, without building it.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, height, width), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, height, width); height and width at most those of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    /// <returns>The plan.</returns>
    public static ConvStackPlan Plan(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null) =>
        ConvPlanner.Plan(nameof(ConvEncoder), 2, false, inputShape, outputShape, options);
}

/// <summary>
/// A 1-D convolutional encoder from <c>[channels, length]</c> to a shorter <c>[channels, length]</c>, for any
/// lengths (see <see cref="ConvEncoder"/> for the stage heuristic).
/// </summary>
public sealed class ConvEncoder1d : ConvStack
{
    /// <summary>Creates the encoder.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, length), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, length); length at most that of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    public ConvEncoder1d(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null)
        : base(Plan(inputShape, outputShape, options))
    {
    }

    /// <summary>The stages a <see cref="ConvEncoder1d"/> with these arguments would have, without building it.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, length), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, length); length at most that of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    /// <returns>The plan.</returns>
    public static ConvStackPlan Plan(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null) =>
        ConvPlanner.Plan(nameof(ConvEncoder1d), 1, false, inputShape, outputShape, options);
}

/// <summary>
/// A 2-D convolutional decoder from <c>[channels, height, width]</c> to a larger <c>[channels, height, width]</c>,
/// for any sizes: the mirror of <see cref="ConvEncoder"/>, growing the spatial size with stride-2 transposed
/// convolutions (after one landing stage), channels shrinking geometrically. By default the last stage is a plain
/// convolution with bias (see <see cref="ConvStackOptions.ActivateOutput"/>).
/// </summary>
public sealed class ConvDecoder : ConvStack
{
    /// <summary>Creates the decoder.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, height, width), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, height, width); height and width at least those of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    public ConvDecoder(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null)
        : base(Plan(inputShape, outputShape, options))
    {
    }

    /// <summary>The stages a <see cref="ConvDecoder"/> with these arguments would have, without building it.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, height, width), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, height, width); height and width at least those of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    /// <returns>The plan.</returns>
    public static ConvStackPlan Plan(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null) =>
        ConvPlanner.Plan(nameof(ConvDecoder), 2, true, inputShape, outputShape, options);
}

/// <summary>
/// A 1-D convolutional decoder from <c>[channels, length]</c> to a longer <c>[channels, length]</c>, for any lengths
/// (see <see cref="ConvDecoder"/>).
/// </summary>
public sealed class ConvDecoder1d : ConvStack
{
    /// <summary>Creates the decoder.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, length), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, length); length at least that of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    public ConvDecoder1d(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null)
        : base(Plan(inputShape, outputShape, options))
    {
    }

    /// <summary>The stages a <see cref="ConvDecoder1d"/> with these arguments would have, without building it.</summary>
    /// <param name="inputShape">Shape of one input sample: (channels, length), each at least 1.</param>
    /// <param name="outputShape">Shape of one output sample: (channels, length); length at least that of the input.</param>
    /// <param name="options">Normalisation, dropout, activation, kernel size and channel cap; <c>null</c> for <see cref="ConvStackOptions.Default"/>.</param>
    /// <returns>The plan.</returns>
    public static ConvStackPlan Plan(IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, ConvStackOptions? options = null) =>
        ConvPlanner.Plan(nameof(ConvDecoder1d), 1, true, inputShape, outputShape, options);
}

/// <summary>
/// A 2-D transposed convolution with a separate output padding per axis. TorchSharp 0.107's <c>ConvTranspose2d</c>
/// applies the first output padding to both axes, so this module keeps a standard one (for its parameters and their
/// initialisation) and calls the functional form with both paddings.
/// </summary>
internal sealed class ConvTranspose2dExact : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.ConvTranspose2d conv;
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly long[] _outputPadding;

    public ConvTranspose2dExact(ConvStage s, bool bias)
        : base(nameof(ConvTranspose2dExact))
    {
        conv = nn.ConvTranspose2d(s.InChannels, s.OutChannels, (s.Kernel[0], s.Kernel[1]), stride: (s.Stride[0], s.Stride[1]), padding: (s.Padding[0], s.Padding[1]), bias: bias);
        _stride = new long[] { s.Stride[0], s.Stride[1] };
        _padding = new long[] { s.Padding[0], s.Padding[1] };
        _outputPadding = new long[] { s.OutputPadding[0], s.OutputPadding[1] };
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.conv_transpose2d(input, conv.weight!, conv.bias, _stride, _padding, _outputPadding);
}
