using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Graft.Bench;

/// <summary>A name and a formatted value (a setting or a summary figure).</summary>
internal sealed record NamedValue(string Name, string Value);

/// <summary>A table to render in BENCHMARKS.md: every cell already formatted.</summary>
internal sealed record ResultTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>What a study measured, before the bench adds where and how it ran.</summary>
/// <param name="Description">What was compared and how (Markdown).</param>
/// <param name="Settings">The workload's settings.</param>
/// <param name="Tables">Per-run figures.</param>
/// <param name="Summary">The headline figures.</param>
/// <param name="Target">The target, in words (null: none).</param>
/// <param name="Verdict"><c>PASS</c> or <c>FAIL</c> against <paramref name="Target"/> (null: no target).</param>
/// <param name="Data">Raw measurements for machines (seconds unrounded).</param>
internal sealed record StudyOutcome(
    string Description,
    IReadOnlyList<NamedValue> Settings,
    IReadOnlyList<ResultTable> Tables,
    IReadOnlyList<NamedValue> Summary,
    string? Target,
    string? Verdict,
    JsonObject Data);

/// <summary>One saved result file, <c>bench/results/&lt;study&gt;.json</c>.</summary>
/// <param name="Study">The study's name.</param>
/// <param name="Title">What it measures.</param>
/// <param name="Date">When it ran (UTC).</param>
/// <param name="Command">The command that ran it.</param>
/// <param name="Smoke">Whether it was a smoke run (<c>--quick</c> or <c>--limit</c>).</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="Outcome">What it measured.</param>
/// <param name="Seconds">The study's wall time, from loading its data to its summary (null in files written before it was recorded).</param>
internal sealed record StudyResult(
    string Study,
    string Title,
    string Date,
    string Command,
    bool Smoke,
    MachineInfo Machine,
    StudyOutcome Outcome,
    double? Seconds = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a saved result; throws <see cref="InvalidDataException"/> naming the file when it is not one.</summary>
    public static StudyResult Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<StudyResult>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: the file holds null, expected a benchmark result object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a benchmark result ({e.Message}).", e);
        }
    }
}
