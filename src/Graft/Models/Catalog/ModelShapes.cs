namespace Graft.Models.Catalog;

/// <summary>What a builder learns from the data: the shape of one sample of each input, and the number of outputs.</summary>
/// <param name="InputShapes">The shape of one sample of each input, in the order the model takes them (e.g. <c>[1, 28, 28]</c> or <c>[4]</c>).</param>
/// <param name="Outputs">The number of outputs (classes for class labels, flags for multi-labels, values for value labels); null when the data does not say.</param>
public sealed record ModelShapes(IReadOnlyList<long[]> InputShapes, long? Outputs)
{
    /// <summary>Shapes for a model with one input and a known number of outputs.</summary>
    /// <param name="inputShape">The shape of one input sample.</param>
    /// <param name="outputs">The number of outputs.</param>
    public ModelShapes(long[] inputShape, long outputs)
        : this(new[] { inputShape ?? throw new ArgumentNullException(nameof(inputShape)) }, outputs)
    {
    }

    /// <summary>The shape of one sample of each input.</summary>
    public IReadOnlyList<long[]> InputShapes { get; init; } = InputShapes ?? throw new ArgumentNullException(nameof(InputShapes));

    /// <summary>The shape of one sample of the first (usually the only) input.</summary>
    /// <exception cref="InvalidOperationException">There are no inputs.</exception>
    public long[] InputShape => InputShapes.Count > 0 ? InputShapes[0] : throw new InvalidOperationException("The model has no inputs, so there is no input shape.");

    /// <summary>The number of outputs, or an <see cref="ArgumentException"/> naming <paramref name="builder"/> when the data does not say.</summary>
    /// <param name="builder">The builder that needs the number, for the message.</param>
    public long RequireOutputs(string builder) =>
        Outputs ?? throw new ArgumentException($"{builder} needs the number of outputs, and the data does not give it (no label to learn it from).");
}
