namespace Graft.Data.Catalog;

/// <summary>
/// Thrown when a known dataset is neither installed nor downloadable. The message lists where it was looked for and
/// how to install it.
/// </summary>
public sealed class DatasetNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="dataset">The dataset's name, e.g. <c>Fashion-MNIST</c>.</param>
    /// <param name="searched">The directories that were searched, in order.</param>
    /// <param name="message">The full message, including how to install the dataset.</param>
    /// <param name="inner">The download error, if a download was tried.</param>
    public DatasetNotFoundException(string dataset, IReadOnlyList<string> searched, string message, Exception? inner = null)
        : base(message, inner)
    {
        Dataset = dataset;
        SearchedDirectories = searched;
    }

    /// <summary>The dataset's name.</summary>
    public string Dataset { get; }

    /// <summary>The directories that were searched, in order.</summary>
    public IReadOnlyList<string> SearchedDirectories { get; }
}
