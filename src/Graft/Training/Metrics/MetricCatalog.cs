using System.Text.RegularExpressions;

namespace Graft.Training.Metrics;

/// <summary>
/// Creates metrics by name, for run files and the command line. Built-in names (case does not matter):
/// <c>accuracy</c>; <c>top{k}</c> such as <c>top5</c> (also <c>top_5_accuracy</c>), or <c>top_k_accuracy</c> with an
/// explicit <c>k</c>; <c>precision</c>, <c>recall</c> and <c>f1</c>, each macro-averaged, or with a suffix
/// <c>_macro</c>, <c>_micro</c> or <c>_weighted</c>; <c>mae</c>, <c>mse</c>, <c>rmse</c>.
/// Further names can be added with <see cref="Register"/>. The catalog is safe to use from several threads.
/// </summary>
public static partial class MetricCatalog
{
    private static readonly Dictionary<string, Func<IMetric>> BuiltIn = new(StringComparer.Ordinal)
    {
        ["accuracy"] = () => new Accuracy(),
        ["mae"] = () => new MeanAbsoluteError(),
        ["mse"] = () => new MeanSquaredError(),
        ["rmse"] = () => new RootMeanSquaredError(),
        ["precision"] = () => new Precision(),
        ["precision_macro"] = () => new Precision(Averaging.Macro),
        ["precision_micro"] = () => new Precision(Averaging.Micro),
        ["precision_weighted"] = () => new Precision(Averaging.Weighted),
        ["recall"] = () => new Recall(),
        ["recall_macro"] = () => new Recall(Averaging.Macro),
        ["recall_micro"] = () => new Recall(Averaging.Micro),
        ["recall_weighted"] = () => new Recall(Averaging.Weighted),
        ["f1"] = () => new F1Score(),
        ["f1_macro"] = () => new F1Score(Averaging.Macro),
        ["f1_micro"] = () => new F1Score(Averaging.Micro),
        ["f1_weighted"] = () => new F1Score(Averaging.Weighted),
    };

    private static readonly Dictionary<string, string> BuiltInDescriptions = new(StringComparer.Ordinal)
    {
        ["accuracy"] = "Share of samples whose highest-scoring class is the label.",
        ["mae"] = "Mean absolute error between predicted and true values.",
        ["mse"] = "Mean squared error between predicted and true values.",
        ["rmse"] = "Square root of the mean squared error.",
        ["precision"] = "Precision (right among predicted positives), the plain mean over classes.",
        ["recall"] = "Recall (found among actual positives), the plain mean over classes.",
        ["f1"] = "F1 score (harmonic mean of precision and recall), the plain mean over classes.",
        ["top1"] = "Share of samples whose label is the highest-scoring class; any top{k} works, e.g. top3.",
        ["top5"] = "Share of samples whose label is among the 5 highest-scoring classes; any top{k} works, e.g. top3.",
        ["top_k_accuracy"] = "Share of samples whose label is among the k highest-scoring classes.",
    };

    private const string TopKName = "top_k_accuracy";
    private static readonly Dictionary<string, Func<IMetric>> Registered = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> RegisteredDescriptions = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    [GeneratedRegex(@"^top_?(\d+)(_accuracy)?$")]
    private static partial Regex TopKPattern();

    [GeneratedRegex(@"^[a-z][a-z0-9_]*$")]
    private static partial Regex NamePattern();

    /// <summary>Every name <see cref="Create"/> accepts right now (with <c>top1</c> and <c>top5</c> standing for any <c>top{k}</c>).</summary>
    public static IReadOnlyList<string> KnownNames
    {
        get
        {
            var names = BuiltIn.Keys.Concat(["top1", "top5", TopKName]);
            lock (Gate) names = names.Concat(Registered.Keys).ToList();
            return names.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Creates a fresh metric by name.</summary>
    /// <param name="name">A built-in or registered name; case and surrounding spaces do not matter.</param>
    /// <param name="k">The k of <c>top_k_accuracy</c>; must be left null for other names.</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known names and suggests the closest), or <paramref name="k"/> does not fit the name.</exception>
    public static IMetric Create(string name, int? k = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (key == TopKName)
        {
            if (k is null)
                throw new ArgumentException($"The metric '{TopKName}' needs k: pass it, or write the name as top{{k}}, e.g. top5.", nameof(k));
            return new TopKAccuracy(k.Value);
        }
        if (k is not null)
            throw new ArgumentException($"k is only used by '{TopKName}', not by '{name}'.", nameof(k));
        var topK = TopKPattern().Match(key);
        if (topK.Success)
        {
            if (!int.TryParse(topK.Groups[1].Value, out int parsed) || parsed < 1)
                throw new ArgumentException($"The metric '{name}' needs k between 1 and {int.MaxValue}.", nameof(name));
            return new TopKAccuracy(parsed);
        }
        Func<IMetric>? factory;
        lock (Gate)
            if (!Registered.TryGetValue(key, out factory))
                BuiltIn.TryGetValue(key, out factory);
        if (factory is null) throw Unknown(name, key);
        return factory() ?? throw new InvalidOperationException($"The factory registered for metric '{key}' returned null.");
    }

    /// <summary>
    /// Adds a user metric under a name (lower-case letters, digits and underscores, starting with a letter; stored in
    /// lower case). Registering a name again replaces the earlier factory; built-in names cannot be replaced.
    /// </summary>
    /// <param name="name">The metric's name.</param>
    /// <param name="factory">Creates a fresh metric on every call.</param>
    /// <param name="description">What the metric measures, for listings.</param>
    public static void Register(string name, Func<IMetric> factory, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        string key = name.Trim().ToLowerInvariant();
        if (!NamePattern().IsMatch(key))
            throw new ArgumentException($"A metric name must start with a letter and hold only letters, digits and underscores; '{name}' does not.", nameof(name));
        if (BuiltIn.ContainsKey(key) || key == TopKName || TopKPattern().IsMatch(key))
            throw new ArgumentException($"'{key}' is a built-in metric name and cannot be registered again.", nameof(name));
        lock (Gate)
        {
            Registered[key] = factory;
            RegisteredDescriptions[key] = description ?? "";
        }
    }

    /// <summary>What the catalog says about metric <paramref name="name"/>: its description, direction and parameters.</summary>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static MetricDescription Describe(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        bool topK = key == TopKName;
        var metric = topK ? Create(key, 1) : Create(key);
        string? text;
        lock (Gate)
            if (!RegisteredDescriptions.TryGetValue(key, out text))
                text = BuiltInDescriptions.GetValueOrDefault(key);
        text ??= AveragedDescription(key) ?? (TopKPattern().Match(key) is { Success: true } m
            ? $"Share of samples whose label is among the {m.Groups[1].Value} highest-scoring classes."
            : "");
        IReadOnlyList<MetricParameterDescription> parameters = topK
            ? [new MetricParameterDescription("k", typeof(int), true, "how many of the highest-scoring classes count")]
            : [];
        return new MetricDescription(key, text, metric.HigherIsBetter, parameters);
    }

    private static string? AveragedDescription(string key)
    {
        int split = key.LastIndexOf('_');
        if (split < 0 || !BuiltIn.ContainsKey(key)) return null;
        string averaging = key[(split + 1)..] switch
        {
            "macro" => "the plain mean over classes",
            "micro" => "from counts pooled over all classes",
            "weighted" => "the mean over classes weighted by their support",
            _ => "",
        };
        return averaging.Length == 0 ? null : $"{BuiltInDescriptions[key[..split]].Split(',')[0]}, {averaging}.";
    }

    private static ArgumentException Unknown(string name, string key)
    {
        var known = KnownNames;
        string hint = Graft.Text.Suggestions.DidYouMean(key, known);
        return new ArgumentException(
            $"Unknown metric '{name}'.{hint} Known metrics: {string.Join(", ", known.Where(n => n is not ("top1" or "top5")))}, and top{{k}} such as top5.",
            nameof(name));
    }
}

/// <summary>What <see cref="MetricCatalog.Describe"/> says about a metric.</summary>
/// <param name="Name">The metric's name.</param>
/// <param name="Description">What it measures (empty for a user metric registered without one).</param>
/// <param name="HigherIsBetter">Whether a larger value is a better model.</param>
/// <param name="Parameters">The parameters <see cref="MetricCatalog.Create"/> takes besides the name (only <c>k</c> of <c>top_k_accuracy</c>).</param>
public sealed record MetricDescription(string Name, string Description, bool HigherIsBetter, IReadOnlyList<MetricParameterDescription> Parameters);

/// <summary>One parameter of a metric.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Type">Its type.</param>
/// <param name="Required">Whether it must be given.</param>
/// <param name="Description">What it does.</param>
public sealed record MetricParameterDescription(string Name, Type Type, bool Required, string Description);
