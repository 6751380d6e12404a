using System.Globalization;
using Graft.Data;
using Graft.Data.Splits;
using Graft.Training;
using Graft.Training.Optimizers;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Graft.Runs.RunFiles;

/// <summary>
/// Reads run files: YAML with the sections <c>data</c>, <c>split</c>, <c>training</c>, <c>logging</c> and
/// <c>models</c>. Every mistake (unknown or misspelt key, wrong type, impossible value) is reported with the file,
/// line and key, and a suggestion where one exists.
/// </summary>
/// <example>
/// <code>
/// var run = RunFileParser.Load("examples/fashion-mnist/run.yaml", overrides: new[] { "training.epochs=1" });
/// </code>
/// </example>
public static class RunFileParser
{
    /// <summary>
    /// A run file's <c>weights:</c> value: a path (it has a folder separator or names an existing file) made absolute
    /// against the run file's folder, so the resolved run file still finds it; anything else (a registry entry name)
    /// kept as written.
    /// </summary>
    private static string WeightsReference(string runFile, string value)
    {
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(runFile))!, value));
        bool looksLikePath = value.Contains('/') || value.Contains('\\') || System.IO.File.Exists(full)
                             || value.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        return looksLikePath ? full : value;
    }

    private static readonly Dictionary<string, LabelKind?> KindNames = new()
    {
        ["class"] = LabelKind.Class, ["multi_label"] = LabelKind.MultiLabel, ["multilabel"] = LabelKind.MultiLabel,
        ["value"] = LabelKind.Value, ["regression"] = LabelKind.Value, ["auto"] = null,
    };

    private static readonly Dictionary<string, OptimizerKind> OptimizerNames = new()
    {
        ["sgd"] = OptimizerKind.Sgd, ["adam"] = OptimizerKind.Adam, ["adamw"] = OptimizerKind.AdamW,
    };

    /// <summary>Reads and validates the run file at <paramref name="path"/>, applying <c>key.path=value</c> overrides first.</summary>
    /// <exception cref="RunFileException">The file is missing, not YAML, or has a mistake.</exception>
    public static RunFile Load(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path)) throw new RunFileException(path, 0, "", "the run file does not exist.");
        return Parse(File.ReadAllText(path), path, overrides);
    }

    /// <summary>Parses run-file text; <paramref name="path"/> names it in errors and anchors relative paths.</summary>
    public static RunFile Parse(string yaml, string path, IEnumerable<string>? overrides = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new RunFileException(path, (int)e.Start.Line, "", $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new RunFileException(path, 1, "", "a run file is a mapping with the sections data, split, training, logging and models.");
        foreach (var o in overrides ?? Array.Empty<string>()) ApplyOverride(root, o, path);

        var top = new YamlSection(path, "", root, 1);
        var baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var data = ParseData(top.Section("data"), baseDir);
        // The resolved run file (saved in the run directory) names data by absolute paths, so it runs from anywhere.
        if (root.Children.TryGetValue(new YamlScalarNode("data"), out var dataNode) && dataNode is YamlMappingNode dataMap)
        {
            dataMap.Children[new YamlScalarNode("source")] = new YamlScalarNode(data.Source);
            if (data.Test is not null) dataMap.Children[new YamlScalarNode("test")] = new YamlScalarNode(data.Test);
            if (data.Concat.Count > 0) dataMap.Children[new YamlScalarNode("concat")] = new YamlSequenceNode(data.Concat.Select(c => (YamlNode)new YamlScalarNode(c)));
        }

        var split = ParseSplit(top.Section("split"), baseDir);
        var (training, batchSize) = ParseTraining(top.Section("training"));
        var logging = ParseLogging(top.Section("logging"), path);
        var flow = ParseFlow(top, path);
        var models = ParseModels(top, path, required: flow is null);
        var pretrain = ParsePretrain(top, baseDir);
        // ... and weights files by absolute paths too (registry names stay as written).
        if (root.Children.TryGetValue(new YamlScalarNode("models"), out var modelsNode) && modelsNode is YamlSequenceNode modelNodes)
            for (int i = 0; i < Math.Min(modelNodes.Children.Count, models.Count); i++)
                if (models[i].Weights is { } w && modelNodes.Children[i] is YamlMappingNode modelMap)
                    modelMap.Children[new YamlScalarNode("weights")] = new YamlScalarNode(w);
        var resolved = Serialize(stream);
        top.Finish();
        training = training with { RunDirectory = logging.RunDirectory, TensorBoard = logging.TensorBoard, Curves = logging.Curves };
        try
        {
            training.Validate();
        }
        catch (ArgumentException e)
        {
            var key = e.Message.Split(' ')[0];
            throw new RunFileException(path, 0, "", e.Message + (key.StartsWith("training.", StringComparison.Ordinal) ? "" : " (in the training section)"));
        }

        return new RunFile(path, data, split, training, batchSize, logging, models, resolved) { Flow = flow, Pretrain = pretrain };
    }

    /// <summary>Sets <c>a.b.c=value</c> in the YAML tree, creating mappings on the way.</summary>
    private static void ApplyOverride(YamlMappingNode root, string assignment, string path)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new RunFileException(path, 0, assignment, "an override is written key.path=value, e.g. training.epochs=1.");
        var keys = assignment[..eq].Trim().Split('.');
        var value = assignment[(eq + 1)..].Trim();
        var node = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var key = new YamlScalarNode(keys[i]);
            node.Children.TryGetValue(key, out var child);
            if (child is YamlSequenceNode list && i + 1 < keys.Length - 1)
            {
                // models.<name>.key=value addresses the list item whose name is <name>.
                var item = list.Children.OfType<YamlMappingNode>().FirstOrDefault(m =>
                    m.Children.TryGetValue(new YamlScalarNode("name"), out var n) && (n as YamlScalarNode)?.Value == keys[i + 1]);
                if (item is null)
                    throw new RunFileException(path, (int)list.Start.Line, string.Join('.', keys[..(i + 2)]), $"--set {assignment}: no entry of {keys[i]} is named '{keys[i + 1]}'.");
                node = item;
                i++;
                continue;
            }

            if (child is not YamlMappingNode map)
            {
                if (child is not null)
                    throw new RunFileException(path, (int)child.Start.Line, string.Join('.', keys[..(i + 1)]), $"--set {assignment}: this key holds a value, not a section.");
                map = new YamlMappingNode();
                node.Children[key] = map;
            }

            node = map;
        }

        YamlNode parsed = value.StartsWith('[') || value.StartsWith('{') ? ParseFragment(value, path, assignment) : new YamlScalarNode(value);
        node.Children[new YamlScalarNode(keys[^1])] = parsed;
    }

    private static YamlNode ParseFragment(string value, string path, string assignment)
    {
        try
        {
            var s = new YamlStream();
            s.Load(new StringReader(value));
            return s.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new RunFileException(path, 0, assignment, $"the value is not valid YAML: {e.Message}");
        }
    }

    private static string Serialize(YamlStream stream)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        return writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
    }

    private static DataSection ParseData(YamlSection s, string baseDir)
    {
        if (!s.Exists) throw new RunFileException(s.Path, 1, "data", "the data section is required, e.g.\n  data:\n    source: fashion-mnist");
        var source = Resolve(s.RequiredString("source", "Name a dataset (fashion-mnist), a file or a folder."), baseDir);
        var test = s.String("test") is { } t ? Resolve(t, baseDir) : null;
        var labels = new Dictionary<string, LabelKind?>();
        var labelNode = s.Raw("labels");
        if (labelNode is YamlMappingNode lm)
        {
            var section = new YamlSection(s.Path, s.Key("labels"), lm, (int)lm.Start.Line);
            foreach (var (name, value, line) in section.Entries())
            {
                var text = (value as YamlScalarNode)?.Value ?? "";
                if (!KindNames.TryGetValue(text.ToLowerInvariant(), out var kind))
                    throw new RunFileException(s.Path, line, s.Key("labels") + "." + name, $"'{text}' is not a label kind; use one of: {string.Join(", ", KindNames.Keys)}.{YamlSection.Suggest(text, KindNames.Keys)}");
                labels[name] = kind;
            }
        }
        else if (labelNode is YamlSequenceNode ls)
        {
            foreach (var n in ls.Children) labels[((YamlScalarNode)n).Value ?? ""] = null;
        }
        else if (labelNode is YamlScalarNode { Value: { Length: > 0 } one })
        {
            labels[one] = null;
        }

        int limit = s.Int("limit", 0);
        if (limit < 0) throw s.Error("limit", "must be 0 (all samples) or a positive number.");
        var features = s.StringList("features");
        var normalize = s.StringList("normalize");
        var concat = s.StringList("concat").Select(c => Resolve(c, baseDir)).ToList();
        var augment = new List<AugmentSection>();
        foreach (var node in s.List("augment"))
        {
            if (node is not YamlMappingNode m)
                throw new RunFileException(s.Path, (int)node.Start.Line, s.Key("augment"), "each entry is a mapping: {feature: image, crop_padding: 2, flip: 0.5, noise: 0.02}.", (int)node.Start.Column);
            var a = new YamlSection(s.Path, s.Key("augment"), m, (int)m.Start.Line);
            var entry = new AugmentSection(a.RequiredString("feature", "Name the image feature to augment."), a.Int("crop_padding", 0), a.Double("flip", 0), a.Double("noise", 0));
            if (entry.CropPadding < 0) throw a.Error("crop_padding", "must not be negative.");
            if (entry.Flip is < 0 or > 1) throw a.Error("flip", "is a probability in [0, 1].");
            if (entry.Noise < 0) throw a.Error("noise", "must not be negative.");
            a.Finish();
            augment.Add(entry);
        }

        s.Finish();
        return new DataSection(source, test, labels, limit) { Features = features, Normalize = normalize, Augment = augment, Concat = concat };
    }

    private static string Resolve(string source, string baseDir)
    {
        if (Graft.Data.Sources.DataSource.KnownDatasets.Contains(source.ToLowerInvariant())) return source;
        if (Execution.SyntheticData.Names.Contains(source.ToLowerInvariant())) return source.ToLowerInvariant();
        return System.IO.Path.IsPathRooted(source) ? source : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, source));
    }

    private static SplitSection ParseSplit(YamlSection s, string baseDir)
    {
        var defaults = new SplitOptions();
        var options = new SplitOptions(
            s.Double("validation", defaults.Validation),
            s.Double("test", defaults.Test),
            s.Int("dev_size", defaults.DevSize),
            s.Long("seed", defaults.Seed),
            s.String("stratify_by"));
        var reuse = s.String("reuse") is { } r ? System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, r)) : null;
        s.Finish();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new RunFileException(s.Path, s.Line, "", e.Message);
        }

        return new SplitSection(options, reuse);
    }

    private static (TrainerOptions Options, int BatchSize) ParseTraining(YamlSection s)
    {
        var d = new TrainerOptions();
        int batchSize = s.Int("batch_size", 64);
        if (batchSize < 1) throw s.Error("batch_size", $"must be at least 1; it is {batchSize}.");
        var optimizerSection = s.Section("optimizer");
        bool optimizerLrGiven = optimizerSection.Has("lr");
        var optimizer = ParseOptimizer(optimizerSection);
        // training.lr is a shorthand for training.optimizer.lr (as in `graft train run.yaml --set training.lr=0.01`).
        if (s.DoubleOrNull("lr") is { } shorthand)
        {
            if (optimizerLrGiven) throw s.Error("lr", "is given twice: here and as training.optimizer.lr; keep one.");
            optimizer = optimizer with { LearningRate = shorthand };
        }

        var schedule = ScheduleSection.Parse(s.Section("schedule"));
        var es = s.Section("early_stopping");
        EarlyStoppingOptions? early = null;
        if (es.Exists)
        {
            early = new EarlyStoppingOptions(es.Int("patience", 5), es.Double("min_delta", 0));
            es.Finish();
        }

        var options = d with
        {
            Epochs = s.Int("epochs", d.Epochs),
            Seed = s.Long("seed", d.Seed),
            Threads = s.Int("threads", d.Threads),
            Optimizer = optimizer,
            Schedule = schedule,
            GradientClipNorm = s.DoubleOrNull("gradient_clip"),
            Monitor = s.String("monitor", d.Monitor)!,
            EarlyStopping = early,
        };
        s.Finish();
        return (options, batchSize);
    }

    private static OptimizerOptions ParseOptimizer(YamlSection s)
    {
        var d = new OptimizerOptions();
        var o = new OptimizerOptions(
            s.Enum("name", d.Kind, OptimizerNames),
            s.Double("lr", d.LearningRate),
            s.Double("weight_decay", d.WeightDecay),
            s.Double("momentum", d.Momentum),
            s.Bool("nesterov", d.Nesterov),
            s.Double("beta1", d.Beta1),
            s.Double("beta2", d.Beta2),
            s.Double("eps", d.Epsilon));
        s.Finish();
        return o;
    }

    private static readonly IReadOnlyDictionary<string, bool> PretrainNames = new Dictionary<string, bool> { ["pool"] = true, ["none"] = false };

    /// <summary><c>pretrain: pool | none</c> and <c>pool: {add, dir}</c>.</summary>
    private static PretrainSection ParsePretrain(YamlSection top, string baseDir)
    {
        bool fromPool = top.Enum("pretrain", true, PretrainNames);
        var pool = top.Section("pool");
        var dir = pool.String("dir");
        var budget = pool.DoubleOrNull("budget");
        if (budget is < 0) throw pool.Error("budget", $"the budget is a number of seconds, 0 or more; it is {budget}.");
        var section = new PretrainSection(fromPool, pool.Bool("add", true), dir is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, dir)), budget);
        pool.Finish();
        return section;
    }

    private static LoggingSection ParseLogging(YamlSection s, string path)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var dir = s.String("run_dir") ?? System.IO.Path.Combine("runs", name);
        var logging = new LoggingSection(System.IO.Path.GetFullPath(dir), s.Bool("tensorboard", true), s.Bool("curves", true), s.String("notes"));
        s.Finish();
        return logging;
    }

    private static IReadOnlyList<ModelSection> ParseModels(YamlSection top, string path, bool required)
    {
        var nodes = top.List("models");
        if (nodes.Count == 0 && required)
            throw new RunFileException(path, top.LineOf("models"), "models", "at least one model is required, e.g.\n  models:\n    - name: classifier\n      builder: small_cnn\n      inputs: [image]");
        var result = new List<ModelSection>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is not YamlMappingNode m)
                throw new RunFileException(path, (int)nodes[i].Start.Line, $"models[{i}]", "each model is a mapping with name, builder, args and inputs.");
            var s = new YamlSection(path, $"models[{i}]", m, (int)m.Start.Line);
            var name = s.String("name") ?? $"model{i}";
            var builder = s.RequiredString("builder", "Name a builder from the model catalog (graft models lists them).");
            var args = ReadArgs(s.Section("args"), path);
            var inputs = s.StringList("inputs");
            var losses = Terms(s, "losses", path, i);
            var metrics = Terms(s, "metrics", path, i);
            bool train = s.Bool("train", true);
            var weights = s.String("weights") is { } w ? WeightsReference(path, w) : null;
            var wo = s.Section("weights_options");
            bool strict = wo.Bool("strict", true), adaptChannels = wo.Bool("adapt_input_channels", false), replaceClassifier = wo.Bool("replace_classifier", false);
            wo.Finish();
            var opt = s.Section("optimizer");
            double? lr = opt.DoubleOrNull("lr");
            double? wd = opt.DoubleOrNull("weight_decay");
            if (lr is { } l && !(l >= 0)) throw opt.Error("lr", $"must not be negative; it is {l}.");
            opt.Finish();
            var ck = s.Section("checkpoint");
            var monitor = ck.String("monitor");
            if (monitor is not null && !monitor.StartsWith("validation.", StringComparison.Ordinal) && !monitor.StartsWith("train.", StringComparison.Ordinal))
                throw ck.Error("monitor", $"names a split and a metric, e.g. validation.accuracy; it is '{monitor}'.");
            ck.Finish();
            s.Finish();
            if (result.Any(r => r.Name == name)) throw new RunFileException(path, (int)m.Start.Line, $"models[{i}].name", $"two models are called '{name}'.");
            if (name.Contains('.')) throw new RunFileException(path, (int)m.Start.Line, $"models[{i}].name", $"'{name}': model names may not contain dots (model.output names an output).");
            result.Add(new ModelSection(name, builder, args, inputs, losses, metrics, (int)m.Start.Line)
            {
                Train = train, Weights = weights, WeightsStrict = strict, WeightsAdaptInputChannels = adaptChannels, WeightsReplaceClassifier = replaceClassifier, LearningRate = lr, WeightDecay = wd, CheckpointMonitor = monitor,
            });
        }

        return result;
    }

    private static readonly Dictionary<string, TaskWeightingKind> WeightingNames = new()
    {
        ["fixed"] = TaskWeightingKind.Fixed, ["uncertainty"] = TaskWeightingKind.Uncertainty,
    };

    /// <summary>The task flows: <c>encoders</c>, <c>tasks</c>, <c>flows</c> and <c>task_weighting</c>; null when there are no flows.</summary>
    private static FlowSection? ParseFlow(YamlSection top, string path)
    {
        var flowsNode = top.Raw("flows");
        var tasksNode = top.Raw("tasks");
        var encoderNodes = top.List("encoders");
        var weighting = top.Enum("task_weighting", TaskWeightingKind.Fixed, WeightingNames);
        if (flowsNode is null)
        {
            if (tasksNode is not null) throw top.Error("tasks", "tasks are trained through flows: add a flows section, e.g.\n  flows:\n    - door_open(features) | ~camera_blocked");
            if (encoderNodes.Count > 0) throw top.Error("encoders", "encoders feed flows: add a flows section.");
            return null;
        }

        var encoders = new List<EncoderSection>();
        for (int i = 0; i < encoderNodes.Count; i++)
        {
            if (encoderNodes[i] is not YamlMappingNode m)
                throw new RunFileException(path, (int)encoderNodes[i].Start.Line, $"encoders[{i}]", "each encoder is a mapping: {name: features, input: image, builder: small_cnn, size: 128, args: {width: 16}}.");
            var e = new YamlSection(path, $"encoders[{i}]", m, (int)m.Start.Line);
            var encoder = new EncoderSection(
                e.RequiredString("name", "Name the input flows read, e.g. features."),
                e.RequiredString("input", "Name the dataset feature the encoder reads, e.g. image."),
                e.RequiredString("builder", "Name a builder from the model catalog (graft models lists them)."),
                ReadArgs(e.Section("args"), path), e.Long("size", 128), (int)m.Start.Line);
            if (encoder.Size < 1) throw e.Error("size", $"must be at least 1; it is {encoder.Size}.");
            if (encoders.Any(x => x.Name == encoder.Name)) throw e.Error("name", $"two encoders are called '{encoder.Name}'.");
            e.Finish();
            encoders.Add(encoder);
        }

        if (tasksNode is not YamlMappingNode taskMap)
            throw new RunFileException(path, tasksNode is null ? top.LineOf("flows") : (int)tasksNode.Start.Line, "tasks",
                "flows need a tasks section mapping each task to its kind, e.g.\n  tasks:\n    camera_blocked: binary\n    shirt_type: {kind: classification, classes: 7}");
        var tasks = new List<TaskSection>();
        var taskSection = new YamlSection(path, "tasks", taskMap, (int)taskMap.Start.Line);
        foreach (var (name, value, line) in taskSection.Entries())
        {
            var key = "tasks." + name;
            YamlSection t;
            string kind;
            if (value is YamlScalarNode { Value: { } kindText })
            {
                t = new YamlSection(path, key, null, line);
                kind = kindText;
            }
            else if (value is YamlMappingNode tm)
            {
                t = new YamlSection(path, key, tm, line);
                kind = t.RequiredString("kind", $"Give the kind: {string.Join(", ", TaskKinds.Names)}.");
            }
            else
            {
                throw new RunFileException(path, line, key, "expected a kind (binary) or a mapping {kind: classification, classes: 7}.");
            }

            var options = new TaskOptions(t.String("label"), t.Has("classes") ? t.Int("classes", 0) : null, t.Has("names") ? t.StringList("names") : null,
                t.DoubleOrNull("scale"), t.Has("values") ? t.Int("values", 1) : null, t.DoubleOrNull("missing"),
                t.Has("vocabulary_size") ? t.Int("vocabulary_size", 0) : null, t.Has("ignore_index") ? t.Long("ignore_index", -100) : null);
            double weight = t.Double("weight", 1);
            if (!(weight >= 0) || double.IsInfinity(weight)) throw t.Error("weight", $"must be a finite number of at least 0; it is {weight}.");
            t.Finish();
            try
            {
                tasks.Add(new TaskSection(TaskKinds.Create(name, kind, options), weight, line));
            }
            catch (ArgumentException ex)
            {
                throw new RunFileException(path, line, key, ex.Message);
            }
        }

        if (tasks.Count == 0) throw new RunFileException(path, (int)taskMap.Start.Line, "tasks", "declare at least one task.");
        var declarations = new List<FlowDeclaration>();
        List<FlowLineSection> Lines(string name, string key, YamlNode node)
        {
            if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
                throw new RunFileException(path, (int)node.Start.Line, key, "a flow is a list of lines such as - door_open(features) | ~camera_blocked.");
            var lines = new List<FlowLineSection>();
            for (int i = 0; i < seq.Children.Count; i++)
            {
                var item = seq.Children[i];
                var itemKey = $"{key}[{i}]";
                if (item is not YamlScalarNode { Value: { } text })
                    throw new RunFileException(path, (int)item.Start.Line, itemKey, "each line of a flow is text such as door_open(features) | ~camera_blocked (quote it if YAML objects).");
                try
                {
                    lines.Add(new FlowLineSection(FlowExpression.Parse(text), text, (int)item.Start.Line, itemKey));
                }
                catch (FlowExpressionException ex)
                {
                    throw new RunFileException(path, (int)item.Start.Line, itemKey, ex.Message, (int)item.Start.Column + ex.Column - 1);
                }
            }

            return lines;
        }

        if (flowsNode is YamlSequenceNode)
        {
            declarations.Add(new FlowDeclaration("flow", Lines("flow", "flows", flowsNode)));
        }
        else if (flowsNode is YamlMappingNode fm)
        {
            foreach (var (k, v) in fm.Children)
            {
                var name = ((YamlScalarNode)k).Value ?? "";
                if (tasks.Any(t => t.Task.Name == name)) throw new RunFileException(path, (int)k.Start.Line, "flows." + name, $"'{name}' is a task; a flow needs a name of its own.");
                declarations.Add(new FlowDeclaration(name, Lines(name, "flows." + name, v)));
            }
        }
        else
        {
            throw top.Error("flows", "expected a list of flow lines, or a mapping from flow names to such lists (the last flow is the one trained).");
        }

        var section = new FlowSection(encoders, tasks, declarations, weighting);
        // Build once now, so that unknown names, cycles and impossible preconditions are reported with their line.
        _ = Execution.FlowRunner.BuildProject(section, path).Build(section.Root);
        return section;
    }

    private static Dictionary<string, object> ReadArgs(YamlSection section, string path)
    {
        var args = new Dictionary<string, object>();
        foreach (var (key, value, line) in section.Entries())
            args[key] = value switch
            {
                YamlScalarNode sc => sc.Value ?? "",
                YamlSequenceNode seq => seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? "").ToList(),
                _ => throw new RunFileException(path, line, section.Key(key), "expected a value or a list of values."),
            };
        return args;
    }

    private static IReadOnlyList<TermSection> Terms(YamlSection s, string key, string path, int modelIndex)
    {
        var result = new List<TermSection>();
        foreach (var node in s.List(key))
        {
            switch (node)
            {
                case YamlScalarNode { Value: { } name }:
                    result.Add(new TermSection(name, 1, Array.Empty<string>()));
                    break;
                case YamlMappingNode m:
                    var t = new YamlSection(path, $"models[{modelIndex}].{key}", m, (int)m.Start.Line);
                    var term = new TermSection(t.RequiredString("name", $"Each entry of {key} names a {key[..^1]}."), key == "losses" ? t.Double("weight", 1) : 1, t.StringList("inputs"))
                    {
                        Args = ReadArgs(t.Section("args"), path),
                    };
                    t.Finish();
                    result.Add(term);
                    break;
                default:
                    throw new RunFileException(path, (int)node.Start.Line, $"models[{modelIndex}].{key}", "expected names or mappings with name, weight and inputs.");
            }
        }

        return result;
    }
}
