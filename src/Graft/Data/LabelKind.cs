namespace Graft.Data;

/// <summary>What a label tensor holds, which decides the default loss, metrics and decoding.</summary>
public enum LabelKind
{
    /// <summary>One class index per sample (<c>int64</c>, shape <c>[N]</c>); trained with cross-entropy.</summary>
    Class,

    /// <summary>Several independent 0/1 flags per sample (<c>float32</c>, shape <c>[N, K]</c>); trained with binary cross-entropy.</summary>
    MultiLabel,

    /// <summary>Real values (<c>float32</c>, shape <c>[N]</c> or <c>[N, ...]</c>); trained with mean squared error.</summary>
    Value,
}
