namespace Graft.Data.Catalog;

/// <summary>
/// Where the catalog looks for datasets and how it downloads them. Tests replace the environment variables,
/// directories and HTTP handler; everything else uses <see cref="Default"/>.
/// </summary>
/// <param name="GetVariable">Reads an environment variable (null when unset).</param>
/// <param name="HomeDirectory">The user's home directory, for <c>~/.graft</c>.</param>
/// <param name="SystemDataDirectory">Where Debian's <c>dataset-*</c> packages install data (<c>/usr/share/datasets</c>).</param>
/// <param name="Handler">The HTTP handler for downloads; null uses a default handler.</param>
internal sealed record DataEnvironment(Func<string, string?> GetVariable, string HomeDirectory, string SystemDataDirectory, HttpMessageHandler? Handler = null)
{
    /// <summary>The environment variable naming directories that hold datasets (separated like <c>PATH</c>).</summary>
    public const string DataVariable = "GRAFT_DATA";

    /// <summary>The environment variable naming Graft's home directory (default <c>~/.graft</c>).</summary>
    public const string HomeVariable = "GRAFT_HOME";

    /// <summary>The process environment and the machine's directories.</summary>
    public static DataEnvironment Default { get; } = new(
        Environment.GetEnvironmentVariable,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        "/usr/share/datasets");

    /// <summary>The directories listed in <c>GRAFT_DATA</c>, in order.</summary>
    public IReadOnlyList<string> DataDirectories =>
        (GetVariable(DataVariable) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The cache folder for <paramref name="dataset"/>: <c>$GRAFT_HOME/data/name</c>, else <c>~/.graft/data/name</c>.</summary>
    public string CacheDirectory(string dataset)
    {
        string? home = GetVariable(HomeVariable);
        string root = string.IsNullOrWhiteSpace(home) ? Path.Combine(HomeDirectory, ".graft") : home;
        return Path.Combine(root, "data", dataset);
    }
}
