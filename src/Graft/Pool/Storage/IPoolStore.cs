namespace Graft.Pool.Storage;

/// <summary>What a pool asks of its storage when it looks for candidates: index columns only, never weights.</summary>
/// <param name="ArchitectureHash">Entries of exactly this architecture.</param>
/// <param name="FamilyHash">Entries of the same layer types in other sizes.</param>
/// <param name="TaskKey">Entries trained on this task key (input shape, label kind, classes).</param>
/// <param name="InputShape">Entries taking inputs of this shape (e.g. <c>1x28x28</c>).</param>
/// <param name="Limit">At most this many, best first (exact architecture, then same task, then score).</param>
public sealed record PoolQuery(string? ArchitectureHash = null, string? FamilyHash = null, string? TaskKey = null, string? InputShape = null, int Limit = 20);

/// <summary>
/// Where a pool keeps its entries and files. The embedded default is <see cref="SqlitePoolStore"/> (a SQLite index and
/// content-addressed files in one folder); a shared, server-backed store implements the same interface, and callers
/// (<see cref="PretrainingPool"/>, the CLI, the weights resolver) do not change.
/// </summary>
public interface IPoolStore : IDisposable
{
    /// <summary>A description of where the store is, for messages (e.g. its folder).</summary>
    string Location { get; }

    /// <summary>Stores a file's content under its SHA-256 (once: equal content is kept once) and returns the digest.</summary>
    /// <param name="write">Writes the content to the stream it is given.</param>
    string PutBlob(Action<Stream> write);

    /// <summary>The local path of a stored file, or null when the store does not hold it.</summary>
    string? BlobPath(string sha256);

    /// <summary>
    /// Adds an entry, giving it the next version of its name. Atomic: the entry is either wholly there (with its
    /// files already stored) or absent.
    /// </summary>
    /// <param name="draft">The entry; its <see cref="PoolEntry.Version"/> is ignored.</param>
    /// <returns>The entry as stored, with its version.</returns>
    PoolEntry Add(PoolEntry draft);

    /// <summary>Candidates matching any of the query's hashes or keys, best first; reads the index only.</summary>
    IReadOnlyList<PoolEntry> Find(PoolQuery query);

    /// <summary>Every entry whose name matches the glob (<c>*</c>, <c>?</c>), or all.</summary>
    IReadOnlyList<PoolEntry> List(string? nameGlob = null);

    /// <summary>The entry a reference names (<c>name</c>, <c>name@3</c>, <c>name@latest</c>, <c>name@champion</c>), or null.</summary>
    PoolEntry? Get(string name, string versionOrAlias);

    /// <summary>The aliases of a name, with the version each points to (<c>latest</c> included).</summary>
    IReadOnlyDictionary<string, int> Aliases(string name);

    /// <summary>Points <paramref name="alias"/> of <paramref name="name"/> at <paramref name="version"/>.</summary>
    void SetAlias(string name, string alias, int version);

    /// <summary>Removes one version (or every version, when null) of a name and its aliases; returns how many entries went.</summary>
    int Remove(string name, int? version = null);

    /// <summary>Deletes stored files no entry references (and temporary files left by interrupted writes); returns their digests or names.</summary>
    IReadOnlyList<string> CollectGarbage();
}
