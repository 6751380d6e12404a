using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>
/// A basic residual block: 3x3 convolution, batch norm, ReLU, 3x3 convolution, batch norm, plus a shortcut, then
/// ReLU. The shortcut is the identity when channels and size are kept, otherwise a strided 1x1 convolution with batch
/// norm. Input <c>[batch, inChannels, height, width]</c>; output <c>[batch, outChannels, ceil(height / stride),
/// ceil(width / stride)]</c>.
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? projection;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the input, at least 1.</param>
    /// <param name="outChannels">Channels of the output, at least 1.</param>
    /// <param name="stride">Stride of the first convolution and of the shortcut: 1 keeps the size, 2 halves it (rounding up).</param>
    public ResidualBlock(int inChannels, int outChannels, int stride = 1)
        : base(nameof(ResidualBlock))
    {
        if (inChannels < 1) throw new ArgumentException($"ResidualBlock: inChannels must be at least 1; it is {inChannels}.", nameof(inChannels));
        if (outChannels < 1) throw new ArgumentException($"ResidualBlock: outChannels must be at least 1; it is {outChannels}.", nameof(outChannels));
        if (stride is not (1 or 2)) throw new ArgumentException($"ResidualBlock: stride must be 1 or 2; it is {stride}.", nameof(stride));
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            projection = nn.Sequential(("conv", nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)), ("bn", nn.BatchNorm2d(outChannels)));
        RegisterComponents();
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Stride of the block.</summary>
    public int Stride { get; }

    /// <summary>Whether the shortcut is a 1x1 projection (otherwise the identity).</summary>
    public bool HasProjection => projection is not null;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != InChannels)
            throw new ArgumentException($"ResidualBlock expects input [batch, {InChannels}, height, width]; it got {Shapes.Of(input)}.", nameof(input));
        using var scope = NewDisposeScope();
        var y = nn.functional.relu(bn1.call(conv1.call(input)));
        y = bn2.call(conv2.call(y));
        var shortcut = projection is null ? input : projection.call(input);
        return nn.functional.relu(y + shortcut).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A small ResNet for 28x28 and 32x32 images (CIFAR-style, depth 6n + 2): a 3x3 stem of <c>width</c> channels, three
/// stages of n residual blocks with <c>width</c>, <c>2 * width</c> and <c>4 * width</c> channels (the last two start
/// with stride 2), global average pooling and a linear classifier. Input <c>[batch, inputChannels, height,
/// width]</c>; output <c>[batch, classes]</c> logits.
/// </summary>
public sealed class ResNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential stem;
    private readonly Sequential stages;
    private readonly Linear classifier;

    /// <summary>Creates the network.</summary>
    /// <param name="depth">Number of weighted layers: 8, 14 or 20 (1, 2 or 3 blocks per stage).</param>
    /// <param name="inputChannels">Channels of the input images, at least 1.</param>
    /// <param name="classes">Number of output classes, at least 1.</param>
    /// <param name="width">Channels of the stem and first stage, at least 1 (the stages have width, 2 * width, 4 * width).</param>
    public ResNet(int depth, int inputChannels, int classes, int width = 16)
        : base($"ResNet{depth}")
    {
        if (depth is not (8 or 14 or 20)) throw new ArgumentException($"ResNet: depth must be 8, 14 or 20; it is {depth}.", nameof(depth));
        if (inputChannels < 1) throw new ArgumentException($"ResNet: inputChannels must be at least 1; it is {inputChannels}.", nameof(inputChannels));
        if (classes < 1) throw new ArgumentException($"ResNet: classes must be at least 1; it is {classes}.", nameof(classes));
        if (width < 1) throw new ArgumentException($"ResNet: width must be at least 1; it is {width}.", nameof(width));
        Depth = depth;
        InputChannels = inputChannels;
        Classes = classes;
        Width = width;
        int blocks = (depth - 2) / 6;
        stem = nn.Sequential(
            ("conv", nn.Conv2d(inputChannels, width, 3, padding: 1, bias: false)),
            ("bn", nn.BatchNorm2d(width)),
            ("relu", nn.ReLU()));
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int channels = width;
        for (int stage = 0; stage < 3; stage++)
        {
            int outChannels = width << stage;
            for (int b = 0; b < blocks; b++)
            {
                layers.Add(($"stage{stage + 1}_block{b + 1}", new ResidualBlock(channels, outChannels, stage > 0 && b == 0 ? 2 : 1)));
                channels = outChannels;
            }
        }

        stages = nn.Sequential(layers);
        classifier = nn.Linear(4L * width, classes);
        RegisterComponents();
    }

    /// <summary>Number of weighted layers (8, 14 or 20).</summary>
    public int Depth { get; }

    /// <summary>Channels of the input images.</summary>
    public int InputChannels { get; }

    /// <summary>Number of output classes.</summary>
    public int Classes { get; }

    /// <summary>Channels of the stem and first stage.</summary>
    public int Width { get; }

    /// <summary>Creates a ResNet of <paramref name="depth"/> 8, 14 or 20.</summary>
    /// <param name="depth">Number of weighted layers: 8, 14 or 20.</param>
    /// <param name="inputChannels">Channels of the input images, at least 1.</param>
    /// <param name="classes">Number of output classes, at least 1.</param>
    /// <param name="width">Channels of the stem and first stage, at least 1.</param>
    /// <returns>The network.</returns>
    public static ResNet Create(int depth, int inputChannels, int classes, int width = 16) => new(depth, inputChannels, classes, width);

    /// <summary>ResNet-8: one residual block per stage.</summary>
    /// <param name="inputChannels">Channels of the input images, at least 1.</param>
    /// <param name="classes">Number of output classes, at least 1.</param>
    /// <param name="width">Channels of the stem and first stage, at least 1.</param>
    /// <returns>The network.</returns>
    public static ResNet ResNet8(int inputChannels, int classes, int width = 16) => new(8, inputChannels, classes, width);

    /// <summary>ResNet-14: two residual blocks per stage.</summary>
    /// <param name="inputChannels">Channels of the input images, at least 1.</param>
    /// <param name="classes">Number of output classes, at least 1.</param>
    /// <param name="width">Channels of the stem and first stage, at least 1.</param>
    /// <returns>The network.</returns>
    public static ResNet ResNet14(int inputChannels, int classes, int width = 16) => new(14, inputChannels, classes, width);

    /// <summary>ResNet-20: three residual blocks per stage.</summary>
    /// <param name="inputChannels">Channels of the input images, at least 1.</param>
    /// <param name="classes">Number of output classes, at least 1.</param>
    /// <param name="width">Channels of the stem and first stage, at least 1.</param>
    /// <returns>The network.</returns>
    public static ResNet ResNet20(int inputChannels, int classes, int width = 16) => new(20, inputChannels, classes, width);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != InputChannels)
            throw new ArgumentException($"ResNet{Depth} expects images [batch, {InputChannels}, height, width]; it got {Shapes.Of(input)}.", nameof(input));
        using var scope = NewDisposeScope();
        var features = stages.call(stem.call(input));
        var pooled = features.mean(new long[] { 2, 3 });
        return classifier.call(pooled).MoveToOuterDisposeScope();
    }
}
