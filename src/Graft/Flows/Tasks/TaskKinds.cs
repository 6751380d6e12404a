namespace Graft.Flows.Tasks;

/// <summary>The options a task kind may read (as run files give them); each kind takes the ones it needs.</summary>
/// <param name="Label">The dataset label (default: the task's name).</param>
/// <param name="Classes">Classes (classification) or flags (multi-label).</param>
/// <param name="Names">Class or flag names.</param>
/// <param name="Scale">The largest value of a bounded regression.</param>
/// <param name="Values">Values per sample of a regression.</param>
/// <param name="MissingValue">A sentinel marking a missing label.</param>
/// <param name="VocabularySize">The vocabulary of a masked language model.</param>
/// <param name="IgnoreIndex">The target of positions a masked language model leaves out.</param>
public sealed record TaskOptions(
    string? Label = null, int? Classes = null, IReadOnlyList<string>? Names = null, double? Scale = null, int? Values = null,
    double? MissingValue = null, int? VocabularySize = null, long? IgnoreIndex = null);

/// <summary>
/// Task kinds by name, as run files declare them (<c>binary</c>, <c>classification</c>, <c>multi_label</c>,
/// <c>bounded_regression</c>, <c>regression</c>, <c>masked_lm</c>); register your own with <see cref="Register"/>.
/// </summary>
public static class TaskKinds
{
    private static readonly Dictionary<string, Func<string, TaskOptions, ITask>> Kinds = new()
    {
        ["binary"] = (n, o) => new BinaryTask(n, o.Label, o.MissingValue),
        ["classification"] = (n, o) => new ClassificationTask(n, o.Classes ?? o.Names?.Count ?? throw Needs(n, "classification", "classes (or names)"), o.Label, o.MissingValue, o.Names),
        ["multi_label"] = (n, o) => new MultiLabelTask(n, o.Classes ?? o.Names?.Count ?? throw Needs(n, "multi_label", "classes (or names)"), o.Label, o.MissingValue, o.Names),
        ["bounded_regression"] = (n, o) => new BoundedRegressionTask(n, o.Scale ?? 1, o.Values ?? 1, o.Label, o.MissingValue),
        ["regression"] = (n, o) => new RegressionTask(n, o.Values ?? 1, o.Label, o.MissingValue),
        ["masked_lm"] = (n, o) => new MaskedLanguageModelTask(n, o.VocabularySize ?? throw Needs(n, "masked_lm", "vocabulary_size"), o.IgnoreIndex ?? -100, o.Label),
    };

    /// <summary>The known kinds.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Kinds) return Kinds.Keys.ToList();
        }
    }

    /// <summary>Adds a kind of your own (or replaces one).</summary>
    public static void Register(string kind, Func<string, TaskOptions, ITask> create)
    {
        lock (Kinds) Kinds[kind] = create;
    }

    /// <summary>Creates task <paramref name="name"/> of <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentException">Unknown kind (with a suggestion) or a missing or impossible option.</exception>
    public static ITask Create(string name, string kind, TaskOptions? options = null)
    {
        Func<string, TaskOptions, ITask>? create;
        lock (Kinds) Kinds.TryGetValue(kind, out create);
        if (create is null) throw new ArgumentException($"'{kind}' is not a task kind; use one of: {string.Join(", ", Names)}.{Graft.Text.Suggestions.DidYouMean(kind, Names)}");
        return create(name, options ?? new TaskOptions());
    }

    private static ArgumentException Needs(string name, string kind, string option) => new($"task '{name}' ({kind}) needs {option}.");
}
