using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Models.Blocks;

/// <summary>
/// Token embedding: token ids <c>[batch, time]</c> (int64) to vectors <c>[batch, time, dim]</c>, optionally plus a
/// learned positional embedding, then optional dropout. The padding token, if any, embeds to zeros and receives
/// no gradient; <see cref="PaddingMask"/> gives the key padding mask for <see cref="TransformerEncoder"/>.
/// </summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Embedding tokens;
    private readonly Parameter? positions;
    private readonly Dropout? dropout;

    /// <summary>Creates the embedding.</summary>
    /// <param name="vocabularySize">Number of distinct token ids (ids run from 0 to vocabularySize - 1), at least 1.</param>
    /// <param name="dim">Size of each embedding vector, at least 1.</param>
    /// <param name="maxLength">Longest sequence accepted; when set, a learned positional embedding of this many
    /// positions is added. <c>null</c>: no positional embedding and any length.</param>
    /// <param name="paddingIndex">Id of the padding token, in [0, vocabularySize), or <c>null</c> for none.</param>
    /// <param name="dropout">Dropout after the sum, in [0, 1).</param>
    public TokenEmbedding(long vocabularySize, int dim, int? maxLength = null, long? paddingIndex = null, double dropout = 0)
        : base(nameof(TokenEmbedding))
    {
        if (vocabularySize < 1) throw new ArgumentException($"TokenEmbedding: vocabularySize must be at least 1; it is {vocabularySize}.", nameof(vocabularySize));
        if (dim < 1) throw new ArgumentException($"TokenEmbedding: dim must be at least 1; it is {dim}.", nameof(dim));
        if (maxLength is < 1) throw new ArgumentException($"TokenEmbedding: maxLength must be at least 1 when set; it is {maxLength}.", nameof(maxLength));
        if (paddingIndex is long p && (p < 0 || p >= vocabularySize))
            throw new ArgumentException($"TokenEmbedding: paddingIndex must be in [0, {vocabularySize}); it is {p}.", nameof(paddingIndex));
        if (dropout is < 0 or >= 1 || double.IsNaN(dropout)) throw new ArgumentException($"TokenEmbedding: dropout must be in [0, 1); it is {dropout}.", nameof(dropout));
        VocabularySize = vocabularySize;
        Dim = dim;
        MaxLength = maxLength;
        PaddingIndex = paddingIndex;
        tokens = nn.Embedding(vocabularySize, dim, padding_idx: paddingIndex);
        if (maxLength is int length)
            positions = new Parameter(torch.randn(length, dim).mul_(0.02));

        if (dropout > 0) this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Number of distinct token ids.</summary>
    public long VocabularySize { get; }

    /// <summary>Size of each embedding vector.</summary>
    public int Dim { get; }

    /// <summary>Longest sequence accepted, when there is a positional embedding.</summary>
    public int? MaxLength { get; }

    /// <summary>Id of the padding token, if any.</summary>
    public long? PaddingIndex { get; }

    /// <summary>The key padding mask of <paramref name="ids"/>: <c>true</c> where the id is the padding token.</summary>
    /// <param name="ids">Token ids <c>[batch, time]</c>.</param>
    /// <returns>A boolean tensor <c>[batch, time]</c>.</returns>
    public Tensor PaddingMask(Tensor ids)
    {
        if (PaddingIndex is not long p)
            throw new InvalidOperationException("TokenEmbedding has no paddingIndex, so it has no padding mask.");
        return ids.eq(p);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 2 || input.dtype != ScalarType.Int64)
            throw new ArgumentException($"TokenEmbedding expects token ids [batch, time] of type Int64; it got {Shapes.Of(input)} of type {input.dtype}.", nameof(input));
        long time = input.shape[1];
        if (MaxLength is int max && time > max)
            throw new ArgumentException($"TokenEmbedding expects at most {max} positions [batch, <= {max}]; it got {Shapes.Of(input)}.", nameof(input));
        if (input.numel() > 0)
        {
            long low = input.min().item<long>(), high = input.max().item<long>();
            if (low < 0 || high >= VocabularySize)
                throw new ArgumentException($"TokenEmbedding expects token ids in [0, {VocabularySize}); the input {Shapes.Of(input)} holds ids from {low} to {high}.", nameof(input));
        }

        using var scope = NewDisposeScope();
        var x = tokens.call(input);
        if (positions is not null)
            x = x + positions.narrow(0, 0, time).unsqueeze(0);
        if (dropout is not null)
            x = dropout.call(x);
        return x.MoveToOuterDisposeScope();
    }
}
