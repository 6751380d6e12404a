using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Graft.Models.Builders;

/// <summary>
/// A small convolutional classifier for single- or multi-channel images: two blocks of
/// convolution, batch norm and ReLU (<c>depth</c> times) and 2x2 max pooling, then a hidden fully connected layer and
/// the classifier. On Fashion-MNIST it passes 0.90 test accuracy within 3 epochs.
/// </summary>
public sealed class SmallCnn : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Channels of the input images.</param>
    /// <param name="imageSize">Height and width of the (square) input images; must be divisible by 4.</param>
    /// <param name="classes">Number of output classes.</param>
    /// <param name="width">Channels of the first block (the second has twice as many).</param>
    /// <param name="hidden">Units of the hidden fully connected layer.</param>
    /// <param name="dropout">Dropout before the classifier.</param>
    /// <param name="depth">Convolution, batch norm and ReLU layers per block (1: the classic layout, whose layer names
    /// the shipped weights use).</param>
    public SmallCnn(int inputChannels = 1, int imageSize = 28, int classes = 10, int width = 32, int hidden = 128, double dropout = 0.25, int depth = 1)
        : base(nameof(SmallCnn))
    {
        if (inputChannels < 1) throw new ArgumentException($"input_channels must be at least 1; it is {inputChannels}.");
        if (imageSize < 4 || imageSize % 4 != 0) throw new ArgumentException($"image_size must be a positive multiple of 4; it is {imageSize}.");
        if (classes < 1) throw new ArgumentException($"classes must be at least 1; it is {classes}.");
        if (width < 1 || hidden < 1) throw new ArgumentException("width and hidden must be at least 1.");
        if (dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1); it is {dropout}.");
        if (depth is < 1 or > 8) throw new ArgumentException($"depth (convolutions per block) must be from 1 to 8; it is {depth}.");
        var layers = new List<Module<Tensor, Tensor>>();
        int channels = inputChannels;
        foreach (int blockWidth in new[] { width, 2 * width })
        {
            for (int i = 0; i < depth; i++)
            {
                layers.AddRange([Conv2d(channels, blockWidth, 3, padding: 1), BatchNorm2d(blockWidth), ReLU()]);
                channels = blockWidth;
            }

            layers.Add(MaxPool2d(2));
        }

        features = Sequential(layers.ToArray());
        int side = imageSize / 4;
        classifier = Sequential(
            Flatten(), Linear(2L * width * side * side, hidden), ReLU(), Dropout(dropout), Linear(hidden, classes));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4)
            throw new ArgumentException($"SmallCnn expects images [batch, channels, height, width]; it got shape [{string.Join(", ", input.shape)}].");
        using var f = features.call(input);
        return classifier.call(f);
    }
}
