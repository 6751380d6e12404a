using Graft.Data;
using Graft.Models.Catalog;
using Graft.Models.Losses;
using Graft.Runs.RunFiles;
using System.Runtime.InteropServices;
using Graft.Training;
using Graft.Training.Checkpoints;
using Graft.Training.Metrics;
using Graft.Weights;
using Graft.Weights.Loading;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Runs.Execution;

/// <summary>Where a model input, loss input or metric input comes from.</summary>
internal abstract record TensorRef(string Text)
{
    /// <summary>A dataset feature.</summary>
    public sealed record Feature(string Name) : TensorRef(Name);

    /// <summary>A dataset label (its mask goes with it).</summary>
    public sealed record Label(string Name) : TensorRef(Name);

    /// <summary>An output of a model, keyed <c>model.output</c> in the forward pass.</summary>
    public sealed record Output(string Model, string Name) : TensorRef(Model + "." + Name)
    {
        public string Key => Model + "." + Name;
    }
}

/// <summary>One model of a run: its section, the built module, and where its inputs come from.</summary>
internal sealed class GraphModel
{
    public required ModelSection Section { get; init; }

    public required int Index { get; init; }

    public required BuiltModel Built { get; init; }

    public required IReadOnlyList<TensorRef> Inputs { get; init; }

    /// <summary>What loading the model's <c>weights:</c> did (verified digest, adapted and missing tensors), or null without weights.</summary>
    public WeightsLoadReport? WeightsReport { get; init; }

    public string Name => Section.Name;
}

/// <summary>
/// The models of a run file wired together: inputs from dataset features or from earlier models' outputs, built in
/// order with the shapes a dry run of one batch reveals, then compiled into one <see cref="TrainingPlan"/> whose losses
/// (from every trained model) are summed into one backward pass.
/// </summary>
internal sealed class RunGraph : IDisposable
{
    private readonly RunFile _run;
    private readonly DatasetSchema _schema;
    private readonly Dictionary<string, (Tensor Mean, Tensor Std)> _normalization;

    private RunGraph(RunFile run, DatasetSchema schema, List<GraphModel> models, Dictionary<string, (Tensor, Tensor)> normalization)
    {
        _run = run;
        _schema = schema;
        Models = models;
        _normalization = normalization;
    }

    public IReadOnlyList<GraphModel> Models { get; }

    /// <summary>Whether names of losses and metrics carry their model's name (runs with several models).</summary>
    public bool Prefixed => Models.Count > 1;

    /// <summary>
    /// Builds every model in order. Each model is built with the shapes of its inputs (features from the schema,
    /// earlier outputs from the dry run) and then run on <paramref name="sample"/>, so shape mistakes surface before
    /// any training, naming the model and the shapes.
    /// </summary>
    public static RunGraph Build(RunFile run, DatasetSchema schema, Batch sample, Dictionary<string, (Tensor, Tensor)> normalization)
    {
        var models = new List<GraphModel>();
        var shapes = new Dictionary<string, long[]>(); // output key -> sample shape
        var outputs = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope();
        for (int i = 0; i < run.Models.Count; i++)
        {
            var section = run.Models[i];
            var key = $"models[{i}]";
            if (section.Inputs.Count == 0)
                throw new RunFileException(run.Path, section.Line, key + ".inputs", $"model '{section.Name}' needs inputs: dataset features ({string.Join(", ", schema.Features.Select(f => f.Name))}) or outputs of earlier models (model.output).");
            var refs = section.Inputs.Select(text => ResolveInput(run, schema, models, section, i, text)).ToList();
            var inputShapes = refs.Select(r => r switch
            {
                TensorRef.Feature f => schema.Feature(f.Name).SampleShape,
                TensorRef.Output o => shapes[o.Key],
                _ => throw new InvalidOperationException(),
            }).ToList();
            long? outputs_ = OutputsFromLosses(run, schema, section);
            BuiltModel built;
            var entry = section.Weights is null ? null : ResolveWeights(run, section, key);
            var args = entry is null ? section.Args : global::Graft.Models.Pretrained.Models.MergeArgs(entry, section.Args);
            manual_seed(run.Training.Seed + i);
            try
            {
                built = ModelCatalog.Create(section.Builder, args, new ModelShapes(inputShapes, outputs_));
            }
            catch (ModelArgumentException e)
            {
                throw new RunFileException(run.Path, section.Line, key, $"model '{section.Name}': {e.Message}");
            }

            if (built.InputCount != refs.Count)
                throw new RunFileException(run.Path, section.Line, key + ".inputs",
                    $"builder '{section.Builder}' takes {built.InputCount} input(s) but model '{section.Name}' names {refs.Count}: {string.Join(", ", section.Inputs)}.");
            var weightsReport = entry is null ? null : LoadWeights(run, section, built, key, entry);
            if (!section.Train)
                foreach (var p in built.Module.parameters()) p.requires_grad = false;

            var model = new GraphModel { Section = section, Index = i, Built = built, Inputs = refs, WeightsReport = weightsReport };
            // The dry run: one batch through the model, without gradients, in evaluation mode.
            var inputs = refs.Select(r => Resolve(r, sample, outputs, normalization)).ToList();
            IReadOnlyDictionary<string, Tensor> produced;
            built.Module.eval();
            try
            {
                using (no_grad()) produced = built.Forward(inputs);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExternalException)
            {
                var described = string.Join(", ", refs.Select((r, k) => $"{r.Text} [{string.Join(", ", inputs[k].shape)}]"));
                throw new RunFileException(run.Path, section.Line, key,
                    $"model '{section.Name}' ({section.Builder}) failed on a batch of its inputs {described}: {FirstLine(e.Message)}");
            }

            foreach (var (name, t) in produced)
            {
                outputs[section.Name + "." + name] = t;
                shapes[section.Name + "." + name] = t.shape.Skip(1).ToArray();
            }

            models.Add(model);
        }

        var graph = new RunGraph(run, schema, models, normalization);
        graph.CheckTerms(outputs, sample);
        return graph;
    }

    /// <summary>The forward pass of every model in order; outputs keyed <c>model.output</c>.</summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Batch batch)
    {
        var outputs = new Dictionary<string, Tensor>();
        foreach (var m in Models)
        {
            var inputs = m.Inputs.Select(r => Resolve(r, batch, outputs, _normalization)).ToList();
            foreach (var (name, t) in m.Built.Forward(inputs)) outputs[m.Name + "." + name] = t;
        }

        return outputs;
    }

    /// <summary>Compiles the graph into a training plan: modules, forward, every trained model's losses and metrics, parameter groups.</summary>
    public TrainingPlan ToPlan()
    {
        var plan = new TrainingPlan();
        foreach (var m in Models) plan.AddModule(m.Name, m.Built.Module, m.Section.Train);
        plan.WithForward(Forward);
        bool anyLoss = Models.Any(m => m.Section.Losses.Count > 0);
        foreach (var m in Models)
        {
            if (m.Section.Train && (m.Section.LearningRate is not null || m.Section.WeightDecay is not null))
                plan.AddParameterGroup(m.Name, m.Built.Module.parameters().Where(p => p.requires_grad), m.Section.LearningRate, m.Section.WeightDecay);
            var losses = m.Section.Losses.Count > 0 || anyLoss ? m.Section.Losses : DefaultLosses(m);
            if (!m.Section.Train && m.Section.Losses.Count > 0)
                throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].losses", $"model '{m.Name}' has train: false, so its losses would train nothing; remove them or set train: true.");
            foreach (var term in losses)
            {
                var refs = TermInputs(m, term, "losses");
                var loss = CreateLoss(m, term);
                var label = refs.OfType<TensorRef.Label>().FirstOrDefault()?.Name;
                var name = Prefixed ? m.Name + "." + term.Name : term.Name;
                plan.AddLoss(name, (outputs, batch) =>
                {
                    var inputs = refs.Select(r => Resolve(r, batch, outputs, _normalization)).ToList();
                    return loss.Compute(inputs, label is null ? null : batch.Mask(label));
                }, term.Weight);
            }

            var metrics = m.Section.Metrics.Count > 0 ? m.Section.Metrics : (m.Section.Losses.Count == 0 && !anyLoss ? DefaultMetrics(m) : Array.Empty<TermSection>());
            foreach (var term in metrics)
            {
                var refs = TermInputs(m, term, "metrics");
                var output = refs.OfType<TensorRef.Output>().FirstOrDefault();
                var label = refs.OfType<TensorRef.Label>().FirstOrDefault();
                if (output is null || label is null || refs.Count != 2)
                    throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].metrics",
                        $"metric '{term.Name}' of model '{m.Name}' compares one model output with one dataset label, e.g. inputs: [output, {_schema.Labels.FirstOrDefault()?.Name ?? "label"}]; it has: {string.Join(", ", refs.Select(r => r.Text))}.");
                var metricName = term.Name;
                int? k = null;
                foreach (var (arg, value) in term.Args)
                {
                    if (arg == "k" && value is string text && int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed)) k = parsed;
                    else throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].metrics", $"metric '{term.Name}' takes no argument '{arg}' (only top_k_accuracy takes k, a whole number).");
                }

                try
                {
                    _ = MetricCatalog.Create(metricName, k);
                }
                catch (ArgumentException e)
                {
                    throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].metrics", e.Message);
                }

                plan.AddMetric(Prefixed ? m.Name + "." + metricName : metricName, () => MetricCatalog.Create(metricName, k), output.Key, label.Name);
            }
        }

        if (plan.Losses.Count == 0)
            throw new RunFileException(_run.Path, 0, "models", "no trained model has a loss: give a trained model losses, e.g. losses: [{name: cross_entropy, inputs: [output, label]}].");
        return plan;
    }

    /// <summary>What <paramref name="m"/> receives as its first input for <paramref name="batch"/> (features normalised, upstream models run).</summary>
    internal Tensor InputOf(GraphModel m, Batch batch)
    {
        var outputs = m.Inputs[0] is TensorRef.Output ? Forward(batch) : new Dictionary<string, Tensor>();
        return Resolve(m.Inputs[0], batch, outputs, _normalization);
    }

    /// <summary>The label a model's output is trained against (its first loss with a label), if any.</summary>
    public LabelInfo? TargetOf(GraphModel m) =>
        (m.Section.Losses.Count > 0 ? m.Section.Losses : DefaultLosses(m)).SelectMany(t => t.Inputs).Select(i => _schema.Labels.FirstOrDefault(l => l.Name == i)).FirstOrDefault(l => l is not null);

    public void Dispose()
    {
        foreach (var m in Models) m.Built.Module.Dispose();
    }

    private IReadOnlyList<TermSection> DefaultLosses(GraphModel m)
    {
        // Only the last model of a run without any losses gets the default: the first label, its kind's loss.
        if (m.Index != Models.Count - 1 || !m.Section.Train) return Array.Empty<TermSection>();
        var label = _schema.Labels.FirstOrDefault();
        if (label is null) return Array.Empty<TermSection>();
        var output = m.Built.OutputNames[0];
        var name = label.Kind switch { LabelKind.Class => "cross_entropy", LabelKind.MultiLabel => "binary_cross_entropy", _ => "mse" };
        return new[] { new TermSection(name, 1, new[] { output, label.Name }) };
    }

    private IReadOnlyList<TermSection> DefaultMetrics(GraphModel m)
    {
        var loss = DefaultLosses(m).FirstOrDefault();
        if (loss is null) return Array.Empty<TermSection>();
        var label = _schema.Label(loss.Inputs[1]);
        return new[] { new TermSection(label.Kind == LabelKind.Value ? "mae" : "accuracy", 1, loss.Inputs) };
    }

    private ILoss CreateLoss(GraphModel m, TermSection term)
    {
        try
        {
            return LossCatalog.Create(term.Name, term.Args);
        }
        catch (ArgumentException e)
        {
            throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].losses", e.Message);
        }
    }

    private List<TensorRef> TermInputs(GraphModel m, TermSection term, string what)
    {
        if (term.Inputs.Count == 0)
        {
            // Default inputs: the model's first output and its target label.
            var label = _schema.Labels.FirstOrDefault()
                        ?? throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].{what}", $"'{term.Name}' needs inputs, e.g. inputs: [output, label].");
            return new List<TensorRef> { new TensorRef.Output(m.Name, m.Built.OutputNames[0]), new TensorRef.Label(label.Name) };
        }

        return term.Inputs.Select<string, TensorRef>(text =>
        {
            if (_schema.Labels.Any(l => l.Name == text)) return new TensorRef.Label(text);
            if (m.Built.OutputNames.Contains(text)) return new TensorRef.Output(m.Name, text);
            if (_schema.Features.Any(f => f.Name == text)) return new TensorRef.Feature(text);
            var r = ResolveOutput(text, Models.Take(Models.Count).ToList());
            var known = _schema.Labels.Select(l => l.Name).Concat(_schema.Features.Select(f => f.Name)).Concat(m.Built.OutputNames)
                .Concat(Models.SelectMany(o => o.Built.OutputNames.Select(n => o.Name + "." + n))).Distinct().ToList();
            return r ?? throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].{what}",
                $"'{term.Name}' reads '{text}', which is none of: dataset labels ({string.Join(", ", _schema.Labels.Select(l => l.Name))}), features ({string.Join(", ", _schema.Features.Select(f => f.Name))}), outputs of '{m.Name}' ({string.Join(", ", m.Built.OutputNames)}), or model.output of another model.{YamlSection.Suggest(text, known)}");
        }).ToList();
    }

    private void CheckTerms(Dictionary<string, Tensor> outputs, Batch sample)
    {
        // Run every loss once on the dry-run batch: a wrong pairing (e.g. logits against a value label) fails here, before training.
        foreach (var m in Models)
            foreach (var term in m.Section.Losses)
            {
                var refs = TermInputs(m, term, "losses");
                var loss = CreateLoss(m, term);
                var label = refs.OfType<TensorRef.Label>().FirstOrDefault()?.Name;
                var inputs = refs.Select(r => Resolve(r, sample, outputs, _normalization)).ToList();
                try
                {
                    using var _ = loss.Compute(inputs, label is null ? null : sample.Mask(label));
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExternalException)
                {
                    var described = string.Join(", ", refs.Select((r, k) => $"{r.Text} [{string.Join(", ", inputs[k].shape)}]"));
                    throw new RunFileException(_run.Path, m.Section.Line, $"models[{m.Index}].losses",
                        $"loss '{term.Name}' of model '{m.Name}' failed on {described}: {FirstLine(e.Message)}");
                }
            }
    }

    private static TensorRef ResolveInput(RunFile run, DatasetSchema schema, List<GraphModel> earlier, ModelSection section, int index, string text)
    {
        if (schema.Features.Any(f => f.Name == text)) return new TensorRef.Feature(text);
        var output = ResolveOutput(text, earlier);
        if (output is not null) return output;
        var modelName = text.Split('.')[0];
        var key = $"models[{index}].inputs";
        if (modelName == section.Name)
            throw new RunFileException(run.Path, section.Line, key, $"model '{section.Name}' cannot read its own output '{text}' (a cycle).");
        if (run.Models.Skip(index + 1).Any(m => m.Name == modelName))
            throw new RunFileException(run.Path, section.Line, key, $"'{text}' is an output of '{modelName}', which comes later in models; models run in the order listed, so move '{modelName}' before '{section.Name}'.");
        if (schema.Labels.Any(l => l.Name == text))
            throw new RunFileException(run.Path, section.Line, key, $"'{text}' is a label; models read features ({string.Join(", ", schema.Features.Select(f => f.Name))}). Labels go into losses and metrics.");
        var known = schema.Features.Select(f => f.Name).Concat(earlier.SelectMany(m => m.Built.OutputNames.Select(o => m.Name + "." + o))).ToList();
        throw new RunFileException(run.Path, section.Line, key, $"'{text}' is neither a dataset feature nor an output of an earlier model. Known: {string.Join(", ", known)}.{YamlSection.Suggest(text, known)}");
    }

    private static TensorRef.Output? ResolveOutput(string text, IReadOnlyList<GraphModel> models)
    {
        var dot = text.IndexOf('.');
        var modelName = dot < 0 ? text : text[..dot];
        var model = models.FirstOrDefault(m => m.Name == modelName);
        if (model is null) return null;
        if (dot < 0)
            return model.Built.OutputNames.Count == 1 ? new TensorRef.Output(model.Name, model.Built.OutputNames[0]) : null;
        var output = text[(dot + 1)..];
        return model.Built.OutputNames.Contains(output) ? new TensorRef.Output(model.Name, output) : null;
    }

    private static Tensor Resolve(TensorRef r, Batch batch, IReadOnlyDictionary<string, Tensor> outputs, Dictionary<string, (Tensor Mean, Tensor Std)> normalization) => r switch
    {
        TensorRef.Feature f when normalization.TryGetValue(f.Name, out var n) => (batch[f.Name] - n.Mean) / n.Std,
        TensorRef.Feature f => batch[f.Name],
        TensorRef.Label l => batch[l.Name],
        TensorRef.Output o => outputs[o.Key],
        _ => throw new InvalidOperationException(),
    };

    private static long? OutputsFromLosses(RunFile run, DatasetSchema schema, ModelSection section)
    {
        var labelNames = section.Losses.SelectMany(l => l.Inputs).ToList();
        if (section.Losses.Count == 0 && run.Models.All(m => m.Losses.Count == 0) && ReferenceEquals(section, run.Models[^1]))
            labelNames = schema.Labels.Take(1).Select(l => l.Name).ToList();
        var label = labelNames.Select(n => schema.Labels.FirstOrDefault(l => l.Name == n)).FirstOrDefault(l => l is not null);
        if (label is null)
        {
            // A loss against a feature (a reconstruction): as many outputs as the feature has values.
            var feature = labelNames.Select(n => schema.Features.FirstOrDefault(f => f.Name == n)).FirstOrDefault(f => f is not null);
            return feature is null ? null : Math.Max(1, feature.SampleShape.Aggregate(1L, (a, b) => a * b));
        }

        return label.Kind == LabelKind.Value ? Math.Max(1, label.SampleShape.Aggregate(1L, (a, b) => a * b))
            : label.ClassCount;
    }

    /// <summary>The entry a model's <c>weights:</c> names (through the one resolver), checked against its builder.</summary>
    private static WeightsEntry ResolveWeights(RunFile run, ModelSection section, string key)
    {
        try
        {
            var entry = WeightsResolver.Default.Resolve(section.Weights!, Path.GetDirectoryName(Path.GetFullPath(run.Path)));
            global::Graft.Models.Pretrained.Models.CheckBuilder(section.Builder, entry);
            return entry;
        }
        catch (Exception e) when (e is WeightsException or ModelArgumentException or FileNotFoundException)
        {
            throw new RunFileException(run.Path, section.Line, key + ".weights", $"model '{section.Name}': {FirstLine(e.Message)}");
        }
    }

    private static WeightsLoadReport LoadWeights(RunFile run, ModelSection section, BuiltModel built, string key, WeightsEntry entry)
    {
        try
        {
            return WeightsLoader.Load(built.Module, entry, new WeightsLoadOptions
            {
                Strict = section.WeightsStrict, AdaptInputChannels = section.WeightsAdaptInputChannels, ReplaceClassifier = section.WeightsReplaceClassifier,
            });
        }
        catch (Exception e) when (e is WeightsException or ArgumentException or InvalidOperationException or IOException or InvalidDataException)
        {
            throw new RunFileException(run.Path, section.Line, key + ".weights", $"cannot load {section.Weights} into model '{section.Name}': {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
