using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Graft.Pool.Fingerprints;
using Graft.Pool.Signatures;
using Graft.Weights;
using Microsoft.Data.Sqlite;

namespace Graft.Pool.Storage;

/// <summary>
/// The embedded pool store: <c>index.db</c> (SQLite in WAL mode: readers never wait for a writer) indexes the entries by
/// architecture hash, family hash and task key; files live under <c>blobs/</c>, named by their SHA-256, so equal
/// weights or datasets are kept once. Files are written to <c>tmp/</c> and renamed into place; an entry's row is
/// inserted in one transaction after its files exist — an interrupted add leaves at most unreferenced files, which
/// <see cref="CollectGarbage"/> removes.
/// </summary>
public sealed class SqlitePoolStore : IPoolStore
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    private readonly string _directory;
    private readonly SqliteConnection _connection;

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>.</summary>
    /// <exception cref="PoolException">The folder cannot be created, or <c>index.db</c> is not a pool index.</exception>
    public SqlitePoolStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        var index = Path.Combine(_directory, "index.db");
        try
        {
            Directory.CreateDirectory(Path.Combine(_directory, "blobs"));
            Directory.CreateDirectory(Path.Combine(_directory, "tmp"));
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = index, Pooling = false }.ToString());
            _connection.Open();
            Execute("PRAGMA journal_mode=WAL;");
            Execute("PRAGMA busy_timeout=10000;");
            Execute("""
                CREATE TABLE IF NOT EXISTS entries(
                    name TEXT NOT NULL, version INTEGER NOT NULL,
                    weights_sha TEXT NOT NULL, dataset_sha TEXT NOT NULL,
                    arch_hash TEXT NOT NULL, family_hash TEXT NOT NULL, task_key TEXT NOT NULL, input_shape TEXT NOT NULL,
                    score REAL NOT NULL, created TEXT NOT NULL, file_size INTEGER NOT NULL,
                    builder TEXT, lineage TEXT, recipe TEXT, tags TEXT NOT NULL,
                    held_out REAL NOT NULL, seed INTEGER NOT NULL,
                    architecture TEXT NOT NULL, task TEXT NOT NULL, metrics TEXT NOT NULL,
                    PRIMARY KEY(name, version));
                CREATE INDEX IF NOT EXISTS entries_arch ON entries(arch_hash);
                CREATE INDEX IF NOT EXISTS entries_family ON entries(family_hash);
                CREATE INDEX IF NOT EXISTS entries_task ON entries(task_key);
                CREATE INDEX IF NOT EXISTS entries_shape ON entries(input_shape);
                CREATE TABLE IF NOT EXISTS aliases(name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY(name, alias));
                """);
            // Pools made before entries recorded their builder's arguments gain the column (empty for old entries).
            using (var columns = Command("SELECT COUNT(*) FROM pragma_table_info('entries') WHERE name = 'builder_args'"))
                if (Convert.ToInt64(columns.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
                    Execute("ALTER TABLE entries ADD COLUMN builder_args TEXT NOT NULL DEFAULT '{}';");
        }
        catch (SqliteException e)
        {
            _connection?.Dispose();
            throw new PoolException($"the pool index {index} cannot be opened: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new PoolException($"the pool folder {_directory} cannot be used: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PoolException($"the pool folder {_directory} cannot be used: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public string Location => _directory;

    /// <inheritdoc />
    public string PutBlob(Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var tmp = Path.Combine(_directory, "tmp", Guid.NewGuid().ToString("N"));
        try
        {
            string sha;
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                write(file);
                file.Flush(true);
                file.Position = 0;
                sha = Convert.ToHexStringLower(SHA256.HashData(file));
            }

            var path = PathOf(sha);
            if (File.Exists(path)) File.Delete(tmp);
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Move(tmp, path, overwrite: true);
            }

            return sha;
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
    }

    /// <inheritdoc />
    public string? BlobPath(string sha256)
    {
        var path = PathOf(sha256);
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc />
    public PoolEntry Add(PoolEntry draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (!IsValidName(draft.Name))
            throw new PoolException($"'{draft.Name}' is not a valid pool entry name: use letters, digits, '.', '_' and '-' (no '@', which starts a version or alias).");
        foreach (var (what, sha) in new[] { ("weights", draft.WeightsSha256), ("dataset", draft.DatasetSha256) })
            if (BlobPath(sha) is null) throw new PoolException($"the {what} file {sha} of entry '{draft.Name}' is not in the pool {_directory}: store files before the entry.");
        using var transaction = _connection.BeginTransaction(deferred: false);
        using var next = Command("SELECT COALESCE(MAX(version), 0) + 1 FROM entries WHERE name = $name", transaction);
        next.Parameters.AddWithValue("$name", draft.Name);
        int version = Convert.ToInt32(next.ExecuteScalar(), CultureInfo.InvariantCulture);
        var entry = draft with { Version = version };
        using var insert = Command("""
            INSERT INTO entries(name, version, weights_sha, dataset_sha, arch_hash, family_hash, task_key, input_shape, score, created, file_size,
                                builder, lineage, recipe, tags, held_out, seed, architecture, task, metrics, builder_args)
            VALUES($name, $version, $weights, $dataset, $arch, $family, $task_key, $shape, $score, $created, $size,
                   $builder, $lineage, $recipe, $tags, $held_out, $seed, $architecture, $task, $metrics, $builder_args)
            """, transaction);
        var p = insert.Parameters;
        p.AddWithValue("$name", entry.Name);
        p.AddWithValue("$version", entry.Version);
        p.AddWithValue("$weights", entry.WeightsSha256);
        p.AddWithValue("$dataset", entry.DatasetSha256);
        p.AddWithValue("$arch", entry.Architecture.Hash);
        p.AddWithValue("$family", entry.Architecture.FamilyHash);
        p.AddWithValue("$task_key", entry.Task.Key);
        p.AddWithValue("$shape", TaskFingerprint.Shape(entry.Task.InputShape));
        p.AddWithValue("$score", entry.Score);
        p.AddWithValue("$created", entry.Created.ToString("O", CultureInfo.InvariantCulture));
        p.AddWithValue("$size", entry.FileSize);
        p.AddWithValue("$builder", (object?)entry.Builder ?? DBNull.Value);
        p.AddWithValue("$lineage", (object?)entry.Lineage ?? DBNull.Value);
        p.AddWithValue("$recipe", (object?)entry.Recipe ?? DBNull.Value);
        p.AddWithValue("$tags", JsonSerializer.Serialize(entry.Tags, Json));
        p.AddWithValue("$held_out", entry.HeldOutFraction);
        p.AddWithValue("$seed", entry.Seed);
        p.AddWithValue("$architecture", JsonSerializer.Serialize(entry.Architecture, Json));
        p.AddWithValue("$task", JsonSerializer.Serialize(entry.Task, Json));
        p.AddWithValue("$metrics", JsonSerializer.Serialize(entry.Metrics, Json));
        p.AddWithValue("$builder_args", JsonSerializer.Serialize(entry.BuilderArgs, Json));
        insert.ExecuteNonQuery();
        transaction.Commit();
        return entry;
    }

    /// <inheritdoc />
    public IReadOnlyList<PoolEntry> Find(PoolQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var conditions = new List<string>();
        using var command = Command("");
        void Condition(string column, string parameter, string? value)
        {
            if (value is null) return;
            conditions.Add($"{column} = {parameter}");
            command.Parameters.AddWithValue(parameter, value);
        }

        Condition("arch_hash", "$arch", query.ArchitectureHash);
        Condition("family_hash", "$family", query.FamilyHash);
        Condition("task_key", "$task", query.TaskKey);
        Condition("input_shape", "$shape", query.InputShape);
        if (conditions.Count == 0) return [];
        command.Parameters.AddWithValue("$arch_rank", query.ArchitectureHash ?? "");
        command.Parameters.AddWithValue("$task_rank", query.TaskKey ?? "");
        command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
        command.CommandText = $"SELECT {Columns} FROM entries WHERE {string.Join(" OR ", conditions)} " +
                              "ORDER BY (arch_hash = $arch_rank) DESC, (task_key = $task_rank) DESC, score DESC, created DESC LIMIT $limit";
        return Read(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<PoolEntry> List(string? nameGlob = null)
    {
        using var command = Command($"SELECT {Columns} FROM entries ORDER BY name, version");
        var all = Read(command);
        if (string.IsNullOrEmpty(nameGlob)) return all;
        var pattern = new Regex("^" + Regex.Escape(nameGlob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase);
        return all.Where(e => pattern.IsMatch(e.Name)).ToList();
    }

    /// <inheritdoc />
    public PoolEntry? Get(string name, string versionOrAlias)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        int? version = ResolveVersion(name, versionOrAlias);
        if (version is null) return null;
        using var command = Command($"SELECT {Columns} FROM entries WHERE name = $name AND version = $version");
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$version", version.Value);
        return Read(command).FirstOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> Aliases(string name)
    {
        var result = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (ResolveVersion(name, PoolReference.Latest) is { } latest) result[PoolReference.Latest] = latest;
        using var command = Command("SELECT alias, version FROM aliases WHERE name = $name");
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        while (reader.Read()) result[reader.GetString(0)] = reader.GetInt32(1);
        return result;
    }

    /// <inheritdoc />
    public void SetAlias(string name, string alias, int version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        if (alias == PoolReference.Latest) throw new PoolException($"'{PoolReference.Latest}' is kept by the pool (it always names the highest version); choose another alias.");
        if (!IsValidName(alias) || alias.All(char.IsDigit)) throw new PoolException($"'{alias}' is not a valid alias: use letters, digits, '_' and '-', not a number alone (numbers are versions).");
        if (Get(name, version.ToString(CultureInfo.InvariantCulture)) is null)
            throw new PoolException($"the pool has no entry {name}@{version}{Known(name)}.");
        using var command = Command("INSERT INTO aliases(name, alias, version) VALUES($name, $alias, $version) ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version");
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$alias", alias);
        command.Parameters.AddWithValue("$version", version);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public int Remove(string name, int? version = null)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        using var entries = Command("DELETE FROM entries WHERE name = $name AND ($version IS NULL OR version = $version)", transaction);
        using var aliases = Command("DELETE FROM aliases WHERE name = $name AND ($version IS NULL OR version = $version)", transaction);
        foreach (var c in new[] { entries, aliases })
        {
            c.Parameters.AddWithValue("$name", name);
            c.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        }

        int removed = entries.ExecuteNonQuery();
        aliases.ExecuteNonQuery();
        transaction.Commit();
        return removed;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> CollectGarbage()
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        using (var command = Command("SELECT weights_sha, dataset_sha FROM entries"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                referenced.Add(reader.GetString(0));
                referenced.Add(reader.GetString(1));
            }

        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_directory, "blobs"), "*", SearchOption.AllDirectories).ToList())
        {
            var sha = Path.GetFileName(file);
            if (referenced.Contains(sha)) continue;
            File.Delete(file);
            removed.Add(sha);
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(_directory, "tmp")).ToList())
        {
            File.Delete(file);
            removed.Add("tmp/" + Path.GetFileName(file));
        }

        return removed;
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    private const string Columns = "name, version, weights_sha, dataset_sha, architecture, task, metrics, score, held_out, seed, builder, recipe, lineage, tags, created, file_size, builder_args";

    private List<PoolEntry> Read(SqliteCommand command)
    {
        var entries = new List<PoolEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string name = reader.GetString(0);
            try
            {
                entries.Add(new PoolEntry
                {
                    Name = name,
                    Version = reader.GetInt32(1),
                    WeightsSha256 = reader.GetString(2),
                    DatasetSha256 = reader.GetString(3),
                    Architecture = JsonSerializer.Deserialize<ArchitectureSignature>(reader.GetString(4), Json)!,
                    Task = JsonSerializer.Deserialize<TaskFingerprint>(reader.GetString(5), Json)!,
                    Metrics = JsonSerializer.Deserialize<List<WeightsMetric>>(reader.GetString(6), Json)!,
                    Score = reader.GetDouble(7),
                    HeldOutFraction = reader.GetDouble(8),
                    Seed = reader.GetInt64(9),
                    Builder = reader.IsDBNull(10) ? null : reader.GetString(10),
                    Recipe = reader.IsDBNull(11) ? null : reader.GetString(11),
                    Lineage = reader.IsDBNull(12) ? null : reader.GetString(12),
                    Tags = JsonSerializer.Deserialize<List<string>>(reader.GetString(13), Json)!,
                    Created = DateTimeOffset.Parse(reader.GetString(14), CultureInfo.InvariantCulture),
                    FileSize = reader.GetInt64(15),
                    BuilderArgs = Arguments(reader.GetString(16)),
                });
            }
            catch (JsonException e)
            {
                throw new PoolException($"the pool index {_directory}/index.db holds an unreadable entry '{name}': {e.Message}", e);
            }
        }

        return entries;
    }

    /// <summary>Builder arguments from their JSON: numbers as long or double, text, lists, nested mappings.</summary>
    private static Dictionary<string, object> Arguments(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value));
    }

    private static object Value(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(Value).ToList(),
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value)),
        _ => "",
    };

    private int? ResolveVersion(string name, string versionOrAlias)
    {
        if (int.TryParse(versionOrAlias, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
        using var command = versionOrAlias == PoolReference.Latest
            ? Command("SELECT MAX(version) FROM entries WHERE name = $name")
            : Command("SELECT version FROM aliases WHERE name = $name AND alias = $alias");
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$alias", versionOrAlias);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? null : Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }

    private string Known(string name)
    {
        var versions = List(name).Select(e => e.Version).ToList();
        return versions.Count == 0 ? $" (no entry is named '{name}')" : $" (its versions are {string.Join(", ", versions)})";
    }

    internal static bool IsValidName(string name) =>
        name.Length is > 0 and <= 200 && name.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-');

    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit)) throw new PoolException($"'{sha256}' is not a SHA-256 digest.");
        return Path.Combine(_directory, "blobs", sha256[..2], sha256);
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}
