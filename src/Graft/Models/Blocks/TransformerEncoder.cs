using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>The position-wise feed-forward network of a transformer layer: linear, GELU, dropout, linear.</summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    internal FeedForward(int dim, int hidden, double dropout)
        : base(nameof(FeedForward))
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ("in", nn.Linear(dim, hidden)), ("act", nn.GELU()) };
        if (dropout > 0) modules.Add(("dropout", nn.Dropout(dropout)));
        modules.Add(("out", nn.Linear(hidden, dim)));
        layers = nn.Sequential(modules);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => layers.call(input);
}

/// <summary>One pre-norm encoder layer: x + attention(norm(x)), then x + feedForward(norm(x)).</summary>
internal sealed class TransformerEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly MultiHeadAttention attention;
    private readonly LayerNorm norm2;
    private readonly FeedForward feedForward;
    private readonly Dropout? dropout;

    internal TransformerEncoderLayer(int dim, int heads, int hidden, double dropout)
        : base(nameof(TransformerEncoderLayer))
    {
        norm1 = nn.LayerNorm(dim);
        attention = new MultiHeadAttention(dim, heads, dropout);
        norm2 = nn.LayerNorm(dim);
        feedForward = new FeedForward(dim, hidden, dropout);
        if (dropout > 0) this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => forward(input, null, false);

    internal Tensor forward(Tensor x, Tensor? keyPaddingMask, bool causal)
    {
        using var scope = NewDisposeScope();
        var h = norm1.call(x);
        x = x + Drop(attention.forward(h, h, h, keyPaddingMask, causal));
        x = x + Drop(feedForward.call(norm2.call(x)));
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Drop(Tensor t) => dropout is null ? t : dropout.call(t);
}

/// <summary>
/// A stack of pre-norm transformer encoder layers (self-attention, then feed-forward, each inside a residual
/// connection with layer norm before it), followed by a final layer norm. <c>[batch, time, dim]</c> to
/// <c>[batch, time, dim]</c>; padded positions can be excluded from attention with a key padding mask.
/// </summary>
public sealed class TransformerEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<TransformerEncoderLayer> layers;
    private readonly LayerNorm norm;

    /// <summary>Creates the encoder.</summary>
    /// <param name="dim">Size of the token vectors, at least 1.</param>
    /// <param name="heads">Attention heads, at least 1; must divide <paramref name="dim"/>.</param>
    /// <param name="layers">Number of layers, at least 1.</param>
    /// <param name="feedForwardDim">Hidden size of the feed-forward networks; <c>null</c> for 4 * <paramref name="dim"/>.</param>
    /// <param name="dropout">Dropout on attention weights, feed-forward activations and residual branches, in [0, 1).</param>
    /// <param name="causal">Whether each position may only attend to itself and earlier positions.</param>
    public TransformerEncoder(int dim, int heads, int layers, int? feedForwardDim = null, double dropout = 0.1, bool causal = false)
        : base(nameof(TransformerEncoder))
    {
        TransformerChecks.Common(nameof(TransformerEncoder), dim, heads, layers, feedForwardDim, dropout);
        Dim = dim;
        Heads = heads;
        Layers = layers;
        Causal = causal;
        int hidden = feedForwardDim ?? 4 * dim;
        this.layers = new ModuleList<TransformerEncoderLayer>(Enumerable.Range(0, layers).Select(_ => new TransformerEncoderLayer(dim, heads, hidden, dropout)).ToArray());
        norm = nn.LayerNorm(dim);
        RegisterComponents();
    }

    /// <summary>Size of the token vectors.</summary>
    public int Dim { get; }

    /// <summary>Attention heads.</summary>
    public int Heads { get; }

    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>Whether attention is causal.</summary>
    public bool Causal { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => forward(input, null);

    /// <summary>Encodes <paramref name="input"/>, ignoring padded positions as keys.</summary>
    /// <param name="input">Token vectors <c>[batch, time, dim]</c>.</param>
    /// <param name="keyPaddingMask">Boolean <c>[batch, time]</c>, <c>true</c> at padded positions; <c>null</c> for none.
    /// Outputs at non-padded positions do not depend on the values at padded ones.</param>
    /// <returns>Encoded vectors <c>[batch, time, dim]</c>.</returns>
    public Tensor forward(Tensor input, Tensor? keyPaddingMask)
    {
        TransformerChecks.Sequence(nameof(TransformerEncoder), "input", input, Dim);
        TransformerChecks.Mask(nameof(TransformerEncoder), "keyPaddingMask", keyPaddingMask, input);
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in layers)
            x = layer.forward(x, keyPaddingMask, Causal);
        return norm.call(x).MoveToOuterDisposeScope();
    }
}

/// <summary>Argument and input checks shared by the transformer blocks.</summary>
internal static class TransformerChecks
{
    internal static void Common(string block, int dim, int heads, int layers, int? feedForwardDim, double dropout)
    {
        if (dim < 1) throw new ArgumentException($"{block}: dim must be at least 1; it is {dim}.", nameof(dim));
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"{block}: heads must be at least 1 and divide dim {dim}; it is {heads}.", nameof(heads));
        if (layers < 1) throw new ArgumentException($"{block}: layers must be at least 1; it is {layers}.", nameof(layers));
        if (feedForwardDim is < 1) throw new ArgumentException($"{block}: feedForwardDim must be at least 1 when set; it is {feedForwardDim}.", nameof(feedForwardDim));
        if (dropout is < 0 or >= 1 || double.IsNaN(dropout)) throw new ArgumentException($"{block}: dropout must be in [0, 1); it is {dropout}.", nameof(dropout));
    }

    internal static void Sequence(string block, string name, Tensor t, int dim)
    {
        if (t.dim() != 3 || t.shape[2] != dim)
            throw new ArgumentException($"{block} expects {name} [batch, time, {dim}]; it got {Shapes.Of(t)}.", name);
    }

    internal static void Mask(string block, string name, Tensor? mask, Tensor sequence)
    {
        if (mask is null) return;
        if (mask.dtype != ScalarType.Bool || mask.dim() != 2 || mask.shape[0] != sequence.shape[0] || mask.shape[1] != sequence.shape[1])
            throw new ArgumentException($"{block} expects {name} of type Bool [{sequence.shape[0]}, {sequence.shape[1]}]; it got {Shapes.Of(mask)} of type {mask.dtype}.", name);
    }
}
