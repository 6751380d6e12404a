using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>
/// Multi-head scaled dot-product attention written with tensor operations: queries <c>[batch, targetTime, dim]</c>
/// attend to keys and values <c>[batch, sourceTime, keyDim]</c>; output <c>[batch, targetTime, dim]</c>.
/// Supports a key padding mask (<c>true</c> marks a padded key, which gets exactly zero weight) and a causal mask.
/// A query whose keys are all masked gets zero weights (its output is the output projection's bias).
/// </summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear output;
    private readonly Dropout? dropout;

    /// <summary>Creates the attention.</summary>
    /// <param name="dim">Size of the query vectors and of the output, at least 1.</param>
    /// <param name="heads">Number of heads, at least 1; must divide <paramref name="dim"/>.</param>
    /// <param name="dropout">Dropout on the attention weights, in [0, 1).</param>
    /// <param name="keyDim">Size of the key and value vectors; <c>null</c> for <paramref name="dim"/>.</param>
    public MultiHeadAttention(int dim, int heads, double dropout = 0, int? keyDim = null)
        : base(nameof(MultiHeadAttention))
    {
        if (dim < 1) throw new ArgumentException($"MultiHeadAttention: dim must be at least 1; it is {dim}.", nameof(dim));
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"MultiHeadAttention: heads must be at least 1 and divide dim {dim}; it is {heads}.", nameof(heads));
        if (dropout is < 0 or >= 1 || double.IsNaN(dropout)) throw new ArgumentException($"MultiHeadAttention: dropout must be in [0, 1); it is {dropout}.", nameof(dropout));
        if (keyDim is < 1) throw new ArgumentException($"MultiHeadAttention: keyDim must be at least 1 when set; it is {keyDim}.", nameof(keyDim));
        Dim = dim;
        Heads = heads;
        KeyDim = keyDim ?? dim;
        query = nn.Linear(dim, dim);
        key = nn.Linear(KeyDim, dim);
        value = nn.Linear(KeyDim, dim);
        output = nn.Linear(dim, dim);
        if (dropout > 0) this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Size of the query vectors and of the output.</summary>
    public int Dim { get; }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>Size of the key and value vectors.</summary>
    public int KeyDim { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor query, Tensor key, Tensor value) => forward(query, key, value, null, false);

    /// <summary>Attention with masks.</summary>
    /// <param name="query">Queries <c>[batch, targetTime, dim]</c>.</param>
    /// <param name="key">Keys <c>[batch, sourceTime, keyDim]</c>.</param>
    /// <param name="value">Values <c>[batch, sourceTime, keyDim]</c>.</param>
    /// <param name="keyPaddingMask">Boolean <c>[batch, sourceTime]</c>, <c>true</c> for padded keys; <c>null</c> for none.</param>
    /// <param name="causal">Whether query position i may only attend to key positions up to i.</param>
    /// <returns>The attended values <c>[batch, targetTime, dim]</c>.</returns>
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask, bool causal)
    {
        using var scope = NewDisposeScope();
        var (result, _) = Attend(query, key, value, keyPaddingMask, causal);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Attention that also returns the weights.</summary>
    /// <param name="query">Queries <c>[batch, targetTime, dim]</c>.</param>
    /// <param name="key">Keys <c>[batch, sourceTime, keyDim]</c>.</param>
    /// <param name="value">Values <c>[batch, sourceTime, keyDim]</c>.</param>
    /// <param name="keyPaddingMask">Boolean <c>[batch, sourceTime]</c>, <c>true</c> for padded keys; <c>null</c> for none.</param>
    /// <param name="causal">Whether query position i may only attend to key positions up to i.</param>
    /// <returns>The output <c>[batch, targetTime, dim]</c> and the weights <c>[batch, heads, targetTime, sourceTime]</c>
    /// (after dropout, each row summing to 1 or, when every key is masked, to 0).</returns>
    public (Tensor Output, Tensor Weights) Attend(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, bool causal = false)
    {
        Check(query, key, value, keyPaddingMask, causal);
        using var scope = NewDisposeScope();
        long batch = query.shape[0], target = query.shape[1], source = key.shape[1];
        long headDim = Dim / Heads;
        var q = this.query.call(query).view(batch, target, Heads, headDim).transpose(1, 2);
        var k = this.key.call(key).view(batch, source, Heads, headDim).transpose(1, 2);
        var v = this.value.call(value).view(batch, source, Heads, headDim).transpose(1, 2);
        var scores = q.matmul(k.transpose(-2, -1)).mul_(1.0 / Math.Sqrt(headDim));
        Tensor? mask = null;
        if (keyPaddingMask is not null)
            mask = keyPaddingMask.view(batch, 1, 1, source);
        if (causal)
        {
            var future = torch.ones(target, source, dtype: ScalarType.Bool, device: query.device).triu(1);
            mask = mask is null ? future.view(1, 1, target, source) : mask.logical_or(future);
        }

        // A finite fill keeps fully masked rows free of NaN; the weights of masked keys are then set to exactly 0.
        if (mask is not null) scores = scores.masked_fill(mask, -1e9);
        var weights = nn.functional.softmax(scores, -1);
        if (mask is not null) weights = weights.masked_fill(mask, 0);
        if (dropout is not null) weights = dropout.call(weights);
        var attended = weights.matmul(v).transpose(1, 2).reshape(batch, target, Dim);
        var result = output.call(attended);
        return (result.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    private void Check(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask, bool causal)
    {
        if (query.dim() != 3 || query.shape[2] != Dim)
            throw new ArgumentException($"MultiHeadAttention expects queries [batch, time, {Dim}]; it got {Shapes.Of(query)}.", nameof(query));
        long batch = query.shape[0];
        if (key.dim() != 3 || key.shape[0] != batch || key.shape[2] != KeyDim)
            throw new ArgumentException($"MultiHeadAttention expects keys [{batch}, time, {KeyDim}]; it got {Shapes.Of(key)}.", nameof(key));
        if (value.dim() != 3 || !value.shape.SequenceEqual(key.shape))
            throw new ArgumentException($"MultiHeadAttention expects values shaped like the keys {Shapes.Of(key)}; it got {Shapes.Of(value)}.", nameof(value));
        if (keyPaddingMask is not null && (keyPaddingMask.dtype != ScalarType.Bool || !keyPaddingMask.shape.SequenceEqual(new[] { batch, key.shape[1] })))
            throw new ArgumentException($"MultiHeadAttention expects a Bool key padding mask [{batch}, {key.shape[1]}]; it got {Shapes.Of(keyPaddingMask)} of type {keyPaddingMask.dtype}.", nameof(keyPaddingMask));
        if (causal && key.shape[1] != query.shape[1])
            throw new ArgumentException($"MultiHeadAttention: a causal mask needs as many keys as queries; the queries are {Shapes.Of(query)} and the keys {Shapes.Of(key)}.", nameof(causal));
    }
}
