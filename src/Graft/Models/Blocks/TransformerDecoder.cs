using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>One pre-norm decoder layer: self-attention, cross-attention to the memory, feed-forward.</summary>
internal sealed class TransformerDecoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly MultiHeadAttention selfAttention;
    private readonly LayerNorm norm2;
    private readonly MultiHeadAttention crossAttention;
    private readonly LayerNorm norm3;
    private readonly FeedForward feedForward;
    private readonly Dropout? dropout;

    internal TransformerDecoderLayer(int dim, int heads, int hidden, double dropout, int memoryDim)
        : base(nameof(TransformerDecoderLayer))
    {
        norm1 = nn.LayerNorm(dim);
        selfAttention = new MultiHeadAttention(dim, heads, dropout);
        norm2 = nn.LayerNorm(dim);
        crossAttention = new MultiHeadAttention(dim, heads, dropout, memoryDim);
        norm3 = nn.LayerNorm(dim);
        feedForward = new FeedForward(dim, hidden, dropout);
        if (dropout > 0) this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor target, Tensor memory) => forward(target, memory, null, null, false);

    internal Tensor forward(Tensor x, Tensor memory, Tensor? targetMask, Tensor? memoryMask, bool causal)
    {
        using var scope = NewDisposeScope();
        var h = norm1.call(x);
        x = x + Drop(selfAttention.forward(h, h, h, targetMask, causal));
        x = x + Drop(crossAttention.forward(norm2.call(x), memory, memory, memoryMask, false));
        x = x + Drop(feedForward.call(norm3.call(x)));
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Drop(Tensor t) => dropout is null ? t : dropout.call(t);
}

/// <summary>
/// A stack of pre-norm transformer decoder layers: self-attention over the target sequence, cross-attention from the
/// target to a second sequence (the memory), feed-forward, each inside a residual connection with layer norm before
/// it, followed by a final layer norm. Compares or conditions one sequence on another:
/// (target <c>[batch, targetTime, dim]</c>, memory <c>[batch, memoryTime, memoryDim]</c>) to
/// <c>[batch, targetTime, dim]</c>.
/// </summary>
public sealed class TransformerDecoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<TransformerDecoderLayer> layers;
    private readonly LayerNorm norm;

    /// <summary>Creates the decoder.</summary>
    /// <param name="dim">Size of the target vectors, at least 1.</param>
    /// <param name="heads">Attention heads, at least 1; must divide <paramref name="dim"/>.</param>
    /// <param name="layers">Number of layers, at least 1.</param>
    /// <param name="feedForwardDim">Hidden size of the feed-forward networks; <c>null</c> for 4 * <paramref name="dim"/>.</param>
    /// <param name="dropout">Dropout on attention weights, feed-forward activations and residual branches, in [0, 1).</param>
    /// <param name="memoryDim">Size of the memory vectors; <c>null</c> for <paramref name="dim"/>.</param>
    /// <param name="causal">Whether each target position may only attend to itself and earlier target positions
    /// (the memory is always fully visible).</param>
    public TransformerDecoder(int dim, int heads, int layers, int? feedForwardDim = null, double dropout = 0.1, int? memoryDim = null, bool causal = false)
        : base(nameof(TransformerDecoder))
    {
        TransformerChecks.Common(nameof(TransformerDecoder), dim, heads, layers, feedForwardDim, dropout);
        if (memoryDim is < 1) throw new ArgumentException($"TransformerDecoder: memoryDim must be at least 1 when set; it is {memoryDim}.", nameof(memoryDim));
        Dim = dim;
        Heads = heads;
        Layers = layers;
        MemoryDim = memoryDim ?? dim;
        Causal = causal;
        int hidden = feedForwardDim ?? 4 * dim;
        this.layers = new ModuleList<TransformerDecoderLayer>(Enumerable.Range(0, layers).Select(_ => new TransformerDecoderLayer(dim, heads, hidden, dropout, MemoryDim)).ToArray());
        norm = nn.LayerNorm(dim);
        RegisterComponents();
    }

    /// <summary>Size of the target vectors.</summary>
    public int Dim { get; }

    /// <summary>Attention heads.</summary>
    public int Heads { get; }

    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>Size of the memory vectors.</summary>
    public int MemoryDim { get; }

    /// <summary>Whether target self-attention is causal.</summary>
    public bool Causal { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor target, Tensor memory) => forward(target, memory, null, null);

    /// <summary>Decodes <paramref name="target"/> against <paramref name="memory"/>, ignoring padded positions as keys.</summary>
    /// <param name="target">Target vectors <c>[batch, targetTime, dim]</c>.</param>
    /// <param name="memory">Memory vectors <c>[batch, memoryTime, memoryDim]</c>.</param>
    /// <param name="targetPaddingMask">Boolean <c>[batch, targetTime]</c>, <c>true</c> at padded target positions; <c>null</c> for none.</param>
    /// <param name="memoryPaddingMask">Boolean <c>[batch, memoryTime]</c>, <c>true</c> at padded memory positions; <c>null</c> for none.</param>
    /// <returns>Decoded vectors <c>[batch, targetTime, dim]</c>.</returns>
    public Tensor forward(Tensor target, Tensor memory, Tensor? targetPaddingMask, Tensor? memoryPaddingMask)
    {
        TransformerChecks.Sequence(nameof(TransformerDecoder), "target", target, Dim);
        TransformerChecks.Sequence(nameof(TransformerDecoder), "memory", memory, MemoryDim);
        if (memory.shape[0] != target.shape[0])
            throw new ArgumentException($"TransformerDecoder expects memory [{target.shape[0]}, time, {MemoryDim}] with the target's batch; it got {Shapes.Of(memory)} for target {Shapes.Of(target)}.", nameof(memory));
        TransformerChecks.Mask(nameof(TransformerDecoder), "targetPaddingMask", targetPaddingMask, target);
        TransformerChecks.Mask(nameof(TransformerDecoder), "memoryPaddingMask", memoryPaddingMask, memory);
        using var scope = NewDisposeScope();
        var x = target;
        foreach (var layer in layers)
            x = layer.forward(x, memory, targetPaddingMask, memoryPaddingMask, Causal);
        return norm.call(x).MoveToOuterDisposeScope();
    }
}
