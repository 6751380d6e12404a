using System.ComponentModel;
using Graft.Models.Blocks;
using Graft.Models.Builders;

namespace Graft.Models.Catalog;

/// <summary>The builders Graft ships, registered by their attributes.</summary>
internal static class BuiltInBuilders
{
    [ModelBuilder("small_cnn", Description = "Two blocks of conv-BN-ReLU (depth times) and pooling, then a hidden layer, for small square images (e.g. 1x28x28).")]
    public static SmallCnn SmallCnn(
        ModelShapes shapes,
        [Description("channels of the first block (the second has twice as many)")] int width = 32,
        [Description("units of the hidden layer")] int hidden = 128,
        [Description("dropout before the classifier")] double dropout = 0.25,
        [Description("convolutions per block")] int depth = 1)
    {
        var s = shapes.InputShape;
        if (s.Length != 3 || s[1] != s[2])
            throw new ArgumentException($"expects square images [channels, height, width]; the input has shape [{string.Join(", ", s)}].");
        return new SmallCnn((int)s[0], (int)s[1], checked((int)shapes.RequireOutputs("small_cnn")), width, hidden, dropout, depth);
    }

    [ModelBuilder("mlp", Description = "A multi-layer perceptron over the flattened input.")]
    public static Mlp Mlp(
        ModelShapes shapes,
        [Description("hidden layer sizes, in order"), DefaultValue(new[] { 64 })] int[]? hidden = null,
        [Description("dropout after each hidden layer")] double dropout = 0)
    {
        long inputs = shapes.InputShape.Aggregate(1L, (a, b) => a * b);
        return new Mlp(inputs, shapes.RequireOutputs("mlp"), hidden ?? [64], dropout);
    }

    [ModelBuilder("conv_encoder", Description = "A convolution stack from [channels, height, width] to output_shape, shrinking the size at most 2x per stage (any sizes).")]
    public static ConvEncoder ConvEncoder(
        ModelShapes shapes,
        [Description("the output shape [channels, height, width], e.g. [64, 1, 1]")] long[] output_shape,
        [Description("batch norm after each convolution")] bool batch_norm = true,
        [Description("dropout after each stage")] double dropout = 0,
        [Description("the activation")] ActivationKind activation = ActivationKind.ReLU,
        [Description("the kernel size of the stages (odd)")] int kernel_size = 3,
        [Description("the most channels an intermediate stage may have")] int? max_channels = null) =>
        new(shapes.InputShape, output_shape, Stack(batch_norm, dropout, activation, kernel_size, max_channels));

    [ModelBuilder("conv_decoder", Description = "A transposed-convolution stack from [channels, height, width] up to output_shape (any sizes).")]
    public static ConvDecoder ConvDecoder(
        ModelShapes shapes,
        [Description("the output shape [channels, height, width], e.g. [1, 28, 28]")] long[] output_shape,
        [Description("batch norm after each convolution")] bool batch_norm = true,
        [Description("dropout after each stage")] double dropout = 0,
        [Description("the activation")] ActivationKind activation = ActivationKind.ReLU,
        [Description("the kernel size of the stages (odd)")] int kernel_size = 3,
        [Description("the most channels an intermediate stage may have")] int? max_channels = null) =>
        new(shapes.InputShape, output_shape, Stack(batch_norm, dropout, activation, kernel_size, max_channels));

    [ModelBuilder("conv_encoder_1d", Description = "A 1-D convolution stack from [channels, length] to output_shape (any sizes).")]
    public static ConvEncoder1d ConvEncoder1d(
        ModelShapes shapes,
        [Description("the output shape [channels, length]")] long[] output_shape,
        [Description("batch norm after each convolution")] bool batch_norm = true,
        [Description("dropout after each stage")] double dropout = 0,
        [Description("the activation")] ActivationKind activation = ActivationKind.ReLU,
        [Description("the kernel size of the stages (odd)")] int kernel_size = 3) =>
        new(shapes.InputShape, output_shape, Stack(batch_norm, dropout, activation, kernel_size, null));

    [ModelBuilder("conv_decoder_1d", Description = "A 1-D transposed-convolution stack from [channels, length] up to output_shape (any sizes).")]
    public static ConvDecoder1d ConvDecoder1d(
        ModelShapes shapes,
        [Description("the output shape [channels, length]")] long[] output_shape,
        [Description("batch norm after each convolution")] bool batch_norm = true,
        [Description("dropout after each stage")] double dropout = 0,
        [Description("the activation")] ActivationKind activation = ActivationKind.ReLU,
        [Description("the kernel size of the stages (odd)")] int kernel_size = 3) =>
        new(shapes.InputShape, output_shape, Stack(batch_norm, dropout, activation, kernel_size, null));

    [ModelBuilder("resnet8", Description = "A ResNet of depth 8 (3 stages of residual blocks) for 28x28 or 32x32 images.")]
    public static ResNet ResNet8(ModelShapes shapes, [Description("channels of the first stage")] int width = 16) => Residual(8, shapes, width);

    [ModelBuilder("resnet14", Description = "A ResNet of depth 14 for 28x28 or 32x32 images.")]
    public static ResNet ResNet14(ModelShapes shapes, [Description("channels of the first stage")] int width = 16) => Residual(14, shapes, width);

    [ModelBuilder("resnet20", Description = "A ResNet of depth 20 for 28x28 or 32x32 images.")]
    public static ResNet ResNet20(ModelShapes shapes, [Description("channels of the first stage")] int width = 16) => Residual(20, shapes, width);

    [ModelBuilder("token_embedding", Description = "Token ids [length] to vectors [length, dim], with an optional learned position embedding.")]
    public static TokenEmbedding TokenEmbedding(
        [Description("the number of distinct token ids")] long vocabulary_size,
        [Description("the vector size")] int dim,
        [Description("the longest sequence (enables position embeddings)")] int? max_length = null,
        [Description("the id of the padding token")] long? padding_index = null,
        [Description("dropout on the vectors")] double dropout = 0) =>
        new(vocabulary_size, dim, max_length, padding_index, dropout);

    [ModelBuilder("transformer_encoder", Description = "Pre-norm self-attention layers over a sequence [length, dim].")]
    public static TransformerEncoder TransformerEncoder(
        ModelShapes shapes,
        [Description("attention heads (must divide dim)")] int heads = 4,
        [Description("layers")] int layers = 2,
        [Description("feed-forward size (default 4 x dim)")] int? feed_forward_dim = null,
        [Description("dropout")] double dropout = 0.1,
        [Description("causal (left-to-right) attention")] bool causal = false) =>
        new(SequenceDim(shapes, 0, "transformer_encoder"), heads, layers, feed_forward_dim, dropout, causal);

    [ModelBuilder("transformer_decoder", Description = "Self-attention plus cross-attention from a target sequence to a second (memory) sequence; two inputs.")]
    public static TransformerDecoder TransformerDecoder(
        ModelShapes shapes,
        [Description("attention heads (must divide dim)")] int heads = 4,
        [Description("layers")] int layers = 2,
        [Description("feed-forward size (default 4 x dim)")] int? feed_forward_dim = null,
        [Description("dropout")] double dropout = 0.1,
        [Description("causal self-attention")] bool causal = false) =>
        new(SequenceDim(shapes, 0, "transformer_decoder"), heads, layers, feed_forward_dim, dropout,
            shapes.InputShapes.Count > 1 ? SequenceDim(shapes, 1, "transformer_decoder") : null, causal);

    private static ConvStackOptions Stack(bool batchNorm, double dropout, ActivationKind activation, int kernelSize, int? maxChannels) =>
        new() { BatchNorm = batchNorm, Dropout = dropout, Activation = activation, KernelSize = kernelSize, MaxChannels = maxChannels };

    private static ResNet Residual(int depth, ModelShapes shapes, int width)
    {
        var s = shapes.InputShape;
        if (s.Length != 3) throw new ArgumentException($"expects images [channels, height, width]; the input has shape [{string.Join(", ", s)}].");
        return new ResNet(depth, (int)s[0], checked((int)shapes.RequireOutputs("resnet" + depth)), width);
    }

    private static int SequenceDim(ModelShapes shapes, int input, string builder)
    {
        if (input >= shapes.InputShapes.Count || shapes.InputShapes[input].Length != 2)
            throw new ArgumentException($"{builder} expects sequences [length, dim] as input {input + 1}; it got [{string.Join(", ", input < shapes.InputShapes.Count ? shapes.InputShapes[input] : Array.Empty<long>())}].");
        return checked((int)shapes.InputShapes[input][1]);
    }
}
