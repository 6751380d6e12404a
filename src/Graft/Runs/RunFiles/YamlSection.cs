using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Graft.Runs.RunFiles;

/// <summary>
/// A mapping of a run file with strict, line-numbered access: every key read is recorded, and <see cref="Finish"/>
/// reports the first key nobody read (with the closest known key as a suggestion).
/// </summary>
internal sealed class YamlSection
{
    private readonly YamlMappingNode? _node;
    private readonly HashSet<string> _read = new();
    private readonly List<string> _known = new();

    public YamlSection(string path, string prefix, YamlMappingNode? node, int line)
    {
        Path = path;
        Prefix = prefix;
        _node = node;
        Line = line;
    }

    public string Path { get; }

    public string Prefix { get; }

    public int Line { get; }

    public bool Exists => _node is not null;

    public string Key(string name) => Prefix.Length == 0 ? name : Prefix + "." + name;

    public RunFileException Error(string name, string message) => new(Path, LineOf(name), Key(name), message, ColumnOf(name));

    public int ColumnOf(string name) => Find(name) is { } n ? (int)n.Start.Column : 0;

    public int LineOf(string name) => Find(name) is { } n ? (int)n.Start.Line : Line;

    /// <summary>Receives every dotted key the parser asks for (tests use it to keep the JSON Schema in step with the parser).</summary>
    internal static Action<string>? Observer { get; set; }

    public bool Has(string name)
    {
        Observer?.Invoke(Key(name));
        _known.Add(name);
        return Find(name) is not null;
    }

    public YamlNode? Raw(string name)
    {
        Observer?.Invoke(Key(name));
        _known.Add(name);
        _read.Add(name);
        return Find(name);
    }

    public string? String(string name, string? fallback = null)
    {
        var n = Raw(name);
        if (n is null) return fallback;
        if (n is not YamlScalarNode s) throw Error(name, "expected a single value (text), found a " + Describe(n) + ".");
        return s.Value;
    }

    public string RequiredString(string name, string hint) =>
        String(name) ?? throw new RunFileException(Path, Line, Key(name), $"this key is required. {hint}");

    public double Double(string name, double fallback) => DoubleOrNull(name) ?? fallback;

    public double? DoubleOrNull(string name)
    {
        var text = String(name);
        if (text is null) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
        throw Error(name, $"expected a number, found '{text}'.");
    }

    public int Int(string name, int fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
        throw Error(name, $"expected a whole number, found '{text}'.");
    }

    public long Long(string name, long fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
        throw Error(name, $"expected a whole number, found '{text}'.");
    }

    public bool Bool(string name, bool fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(name, $"expected true or false, found '{text}'."),
        };
    }

    public T Enum<T>(string name, T fallback, IReadOnlyDictionary<string, T> names)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (names.TryGetValue(text.ToLowerInvariant(), out var v)) return v;
        throw Error(name, $"'{text}' is not one of: {string.Join(", ", names.Keys)}.{Suggest(text, names.Keys)}");
    }

    public YamlSection Section(string name)
    {
        var n = Raw(name);
        if (n is not null and not YamlMappingNode)
        {
            if (n is YamlScalarNode { Value: null or "" or "~" or "null" }) return new YamlSection(Path, Key(name), null, LineOf(name));
            throw Error(name, "expected a mapping of keys (indented 'key: value' lines), found a " + Describe(n) + ".");
        }

        return new YamlSection(Path, Key(name), n as YamlMappingNode, n is null ? Line : (int)n.Start.Line);
    }

    public IReadOnlyList<YamlNode> List(string name)
    {
        var n = Raw(name);
        return n switch
        {
            null => Array.Empty<YamlNode>(),
            YamlSequenceNode seq => seq.Children.ToList(),
            YamlScalarNode s when !string.IsNullOrEmpty(s.Value) => new[] { s },
            _ => throw Error(name, "expected a list ('- item' lines or [a, b]), found a " + Describe(n) + "."),
        };
    }

    public IReadOnlyList<string> StringList(string name) =>
        List(name).Select(n => n is YamlScalarNode s && s.Value is not null ? s.Value : throw new RunFileException(Path, (int)n.Start.Line, Key(name), "expected a list of names.")).ToList();

    public IEnumerable<(string Key, YamlNode Value, int Line)> Entries()
    {
        if (_node is null) yield break;
        foreach (var (k, v) in _node.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            _read.Add(key);
            yield return (key, v, (int)k.Start.Line);
        }
    }

    /// <summary>Throws for the first key that was never read: a misspelling or a key of another section.</summary>
    public void Finish()
    {
        if (_node is null) return;
        foreach (var (k, _) in _node.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (_read.Contains(key)) continue;
            throw new RunFileException(Path, (int)k.Start.Line, Key(key),
                $"unknown key.{Suggest(key, _known.Distinct())} Known keys{(Prefix.Length > 0 ? " in " + Prefix : "")}: {string.Join(", ", _known.Distinct())}.", (int)k.Start.Column);
        }
    }

    public static string Suggest(string text, IEnumerable<string> candidates) => Graft.Text.Suggestions.DidYouMean(text, candidates);

    private static string Describe(YamlNode n) => n switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    private YamlNode? Find(string name)
    {
        if (_node is null) return null;
        foreach (var (k, v) in _node.Children)
            if (k is YamlScalarNode s && s.Value == name) return v;
        return null;
    }
}
