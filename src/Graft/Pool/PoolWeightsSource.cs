using Graft.Weights;

namespace Graft.Pool;

/// <summary>
/// Pool entries wherever weights are named (run files' <c>weights:</c>, the CLI, <see cref="WeightsResolver"/>):
/// <c>pool:name</c> (its latest version), <c>pool:name@3</c>, <c>pool:name@champion</c>. Without a folder it reads
/// the default pool (<see cref="PretrainingPool.DefaultDirectory"/>, from <c>$GRAFT_HOME</c> at the time of the lookup).
/// </summary>
public sealed class PoolWeightsSource : IWeightsSource
{
    private readonly string? _directory;

    /// <summary>A source reading the pool in <paramref name="directory"/>, or the default pool when null.</summary>
    public PoolWeightsSource(string? directory = null) => _directory = directory;

    /// <inheritdoc />
    public string Description => "a pool entry (pool:name[@version|alias])";

    /// <inheritdoc />
    public WeightsEntry? TryResolve(string reference, string? baseDirectory)
    {
        if (!reference.StartsWith(PoolReference.Prefix, StringComparison.Ordinal)) return null;
        var directory = _directory ?? PretrainingPool.DefaultDirectory;
        if (!File.Exists(Path.Combine(directory, "index.db")))
            throw new WeightsNotFoundException($"'{reference}' names a pool entry, but there is no pool at {directory} (set GRAFT_HOME, or add models with `graft pool add`).");
        using var pool = new PretrainingPool(directory);
        try
        {
            return pool.WeightsOf(pool.Get(reference));
        }
        catch (PoolException e)
        {
            throw new WeightsNotFoundException($"'{reference}': {e.Message}", e);
        }
    }
}
