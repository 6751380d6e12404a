using Graft.Data.Batching;
using Graft.Data;
using Graft.Flows.Tasks;
using Graft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Flows.Composition;

/// <summary>A named input computed by a module from a dataset feature (e.g. a CNN from <c>image</c> to <c>features</c>).</summary>
/// <param name="Name">The input's name as flows read it (<c>x["features"]</c>).</param>
/// <param name="Feature">The dataset feature the module reads.</param>
/// <param name="Module">The module; it is trained with the heads.</param>
public sealed record FlowEncoder(string Name, string Feature, nn.Module<Tensor, Tensor> Module);

/// <summary>How the losses of the tasks are combined.</summary>
public enum TaskWeightingKind
{
    /// <summary>A fixed weight per task (1 unless given).</summary>
    Fixed,

    /// <summary>Uncertainty weighting (Kendall, Gal and Cipolla 2018): each task's loss L becomes exp(-s)·L + s with a learnable s per task.</summary>
    Uncertainty,
}

/// <summary>How task losses are weighted.</summary>
/// <param name="Kind">Fixed weights or uncertainty weighting.</param>
/// <param name="Weights">Fixed weights by task path (or task name); missing tasks weigh 1. With uncertainty weighting they multiply the weighted terms.</param>
public sealed record TaskWeighting(TaskWeightingKind Kind = TaskWeightingKind.Fixed, IReadOnlyDictionary<string, double>? Weights = null)
{
    /// <summary>The weight of <paramref name="node"/> (by path, then by name, else 1).</summary>
    public double WeightOf(FlowNode node) =>
        Weights is null ? 1 : Weights.TryGetValue(node.Path, out var w) ? w : Weights.TryGetValue(node.Name, out w) ? w : 1;
}

/// <summary>One task's prediction for a batch.</summary>
/// <param name="Path">The task's path.</param>
/// <param name="Logits">The head's output.</param>
/// <param name="Activated">Probabilities or values.</param>
/// <param name="Decoded">The answer: flags, classes sorted by score, or values.</param>
/// <param name="Applies">Whether the task applies to each sample (its preconditions hold in the predictions), <c>bool [B]</c>.</param>
public sealed record TaskPrediction(string Path, Tensor Logits, Tensor Activated, Tensor Decoded, Tensor Applies);

/// <summary>The module of a compiled flow: the encoders and one head per task.</summary>
public sealed class FlowModule : nn.Module
{
    private readonly ModuleDict<nn.Module<Tensor, Tensor>> encoders;
    private readonly ModuleDict<nn.Module<Tensor, Tensor>> heads;

    internal FlowModule(IEnumerable<(string, nn.Module<Tensor, Tensor>)> encoderModules, IEnumerable<(string, nn.Module<Tensor, Tensor>)> headModules) : base(nameof(FlowModule))
    {
        encoders = nn.ModuleDict(encoderModules.ToArray());
        heads = nn.ModuleDict(headModules.ToArray());
        RegisterComponents();
    }

    internal nn.Module<Tensor, Tensor> Encoder(string name) => encoders[name];

    internal nn.Module<Tensor, Tensor> Head(string path) => heads[Key(path)];

    internal static string Key(string path) => path.Replace(".", "__", StringComparison.Ordinal);
}

/// <summary>
/// A flow compiled to one TorchSharp module (encoders and a head per task) plus everything that shares its structure:
/// the forward pass, ground truth and availability per task, precondition gates from ground truth or from
/// predictions, the training plan (masked losses, metrics and task weights), and the dataset view.
/// </summary>
/// <example>
/// <code>
/// var compiled = FlowCompiler.Compile(project.Build("full_flow"), new[] { new FlowEncoder("features", "image", backbone) }, data.Schema);
/// var view = compiled.View(data);
/// var plan = compiled.ToPlan(new TaskWeighting(TaskWeightingKind.Uncertainty));
/// new Trainer(options).Fit(plan, new BatchLoader(view, loaderOptions, split.Train), new BatchLoader(view, evalOptions, split.Validation));
/// </code>
/// </example>
public sealed class CompiledFlow : IDisposable
{
    /// <summary>The prefix of ground-truth labels of preconditions in the dataset view's batches.</summary>
    public const string GroundTruthPrefix = "gt.";

    private readonly Dictionary<string, FlowNode> _byPath;
    private readonly Dictionary<string, FlowEncoder> _encoders;

    internal CompiledFlow(FlowNode root, IReadOnlyList<FlowEncoder> encoders, FlowModule module, DatasetSchema schema)
    {
        Root = root;
        Module = module;
        Schema = schema;
        _encoders = encoders.ToDictionary(e => e.Name);
        Nodes = root.Children.SelectMany(c => c.Descendants()).ToList();
        Tasks = Nodes.Where(n => n.IsTask).ToList();
        _byPath = Nodes.ToDictionary(n => n.Path);
        Conditions = Nodes.Where(n => n.Precondition is not null).SelectMany(n => n.Precondition!.Tasks).Distinct().Select(p => _byPath[p]).ToList();
    }

    /// <summary>The flow's root (its children are the top-level outputs).</summary>
    public FlowNode Root { get; }

    /// <summary>The module holding every trained parameter.</summary>
    public FlowModule Module { get; }

    /// <summary>The schema of the data the flow was compiled for.</summary>
    public DatasetSchema Schema { get; }

    /// <summary>Every node below the root, in flow order.</summary>
    public IReadOnlyList<FlowNode> Nodes { get; }

    /// <summary>Every task, in flow order.</summary>
    public IReadOnlyList<FlowNode> Tasks { get; }

    /// <summary>The tasks used as preconditions: their ground truth travels in batches under <c>gt.</c>.</summary>
    public IReadOnlyList<FlowNode> Conditions { get; }

    /// <summary>The dataset features the flow reads.</summary>
    public IReadOnlyList<string> Features =>
        Tasks.Select(t => _encoders.TryGetValue(t.Input.Name, out var e) ? e.Feature : t.Input.Name).Distinct().ToList();

    /// <summary>The node at <paramref name="path"/>.</summary>
    public FlowNode Node(string path) => _byPath.TryGetValue(path, out var n) ? n
        : throw new KeyNotFoundException($"The flow has no task '{path}'. Tasks: {string.Join(", ", Tasks.Select(t => t.Path))}.{Graft.Text.Suggestions.DidYouMean(path, _byPath.Keys)}");

    /// <summary>The encoders, each reading one feature: the shared bodies the tasks' heads sit on.</summary>
    public IReadOnlyList<FlowEncoder> Encoders => _encoders.Values.ToList();

    /// <summary>The logits of every task, by path, from a batch's features.</summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Batch batch)
    {
        var inputs = new Dictionary<string, Tensor>();
        var result = new Dictionary<string, Tensor>();
        foreach (var t in Tasks)
        {
            var name = t.Input.Name;
            if (!inputs.TryGetValue(name, out var x))
            {
                x = _encoders.TryGetValue(name, out var e) ? Module.Encoder(name).call(Feature(batch, e.Feature)) : Feature(batch, name);
                inputs[name] = x;
            }

            result[t.Path] = Module.Head(t.Path).call(x);
        }

        return result;
    }

    /// <summary>
    /// The ground truth of every task present in <paramref name="batch"/> (a batch of the underlying dataset, labels
    /// named as the tasks' <see cref="ITask.Label"/>): values and availability (mask and sentinel). Tasks whose label the
    /// data lacks get placeholders marked unavailable.
    /// </summary>
    public IReadOnlyDictionary<string, LabelTensor> GroundTruth(Batch batch)
    {
        var result = new Dictionary<string, LabelTensor>();
        foreach (var t in Tasks)
        {
            var task = t.Task!;
            if (batch.Labels.TryGetValue(task.Label, out var label))
                result[t.Path] = new LabelTensor(label.Values, task.Available(label.Values, label.Mask));
            else
                result[t.Path] = new LabelTensor(task.EmptyLabel(batch.Size), zeros(batch.Size, ScalarType.Bool));
        }

        return result;
    }

    /// <summary>Whether each task says yes per sample according to ground truth (undecided where its label is missing).</summary>
    public Func<string, Truth> HoldsFromGroundTruth(IReadOnlyDictionary<string, LabelTensor> groundTruth) => path =>
    {
        var gt = groundTruth[path];
        var yes = _byPath[path].Task!.Holds(gt.Values);
        return new Truth(yes.logical_and(gt.Mask), yes.logical_not().logical_and(gt.Mask));
    };

    /// <summary>Whether each task says yes per sample according to its decoded prediction.</summary>
    public Func<string, Truth> HoldsFromPredictions(IReadOnlyDictionary<string, Tensor> logits) => path =>
    {
        var task = _byPath[path].Task!;
        var yes = task.Holds(task.Decode(task.Activate(logits[path])));
        return new Truth(yes, yes.logical_not());
    };

    /// <summary>
    /// The gate of every node: where its own and its enclosing flows' preconditions hold, with the referenced tasks'
    /// answers taken from <paramref name="holds"/> (ground truth or predictions).
    /// </summary>
    /// <param name="holds">Whether a task says yes, by path.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="device">The device of the masks.</param>
    public IReadOnlyDictionary<string, Truth> Gates(Func<string, Truth> holds, long batchSize, Device? device = null)
    {
        var gates = new Dictionary<string, Truth>();
        var always = new Truth(ones(batchSize, ScalarType.Bool, device), zeros(batchSize, ScalarType.Bool, device));
        Truth Reference(string path)
        {
            var gate = Gate(_byPath[path]);
            var h = holds(path);
            return new Truth(gate.True.logical_and(h.True), gate.True.logical_and(h.False));
        }

        Truth Gate(FlowNode node)
        {
            if (gates.TryGetValue(node.Path, out var known)) return known;
            var parent = node.Parent is null ? always : Gate(node.Parent);
            var result = parent;
            if (node.Precondition is { } c)
            {
                var own = c.Evaluate(Reference);
                result = new Truth(parent.True.logical_and(own.True), parent.False.logical_or(own.False));
            }

            gates[node.Path] = result;
            return result;
        }

        foreach (var n in Nodes) Gate(n);
        return gates;
    }

    /// <summary>The samples each task learns from: its label is available and its gate holds in the ground truth.</summary>
    public IReadOnlyDictionary<string, Tensor> TrainingMasks(IReadOnlyDictionary<string, LabelTensor> groundTruth, long batchSize)
    {
        var gates = Gates(HoldsFromGroundTruth(groundTruth), batchSize, groundTruth.Values.FirstOrDefault()?.Mask.device);
        return Tasks.ToDictionary(t => t.Path, t => groundTruth[t.Path].Mask.logical_and(gates[t.Path].True));
    }

    /// <summary>
    /// The dataset view: batches with the features the flow reads, each task's label under its path (mask: available
    /// and gated by ground-truth preconditions) and the ground truth of every precondition task under <c>gt.&lt;path&gt;</c>.
    /// </summary>
    public FlowDatasetView View(IDataset data) => new(this, data);

    /// <summary>The masked loss of one task on a batch of the dataset view: zero (never NaN) when no sample counts.</summary>
    public Tensor TaskLoss(FlowNode node, Tensor logits, Batch viewBatch)
    {
        return node.Task!.Loss(logits, viewBatch[node.Path], viewBatch.Mask(node.Path));
    }

    /// <summary>The name of the plan's parameter holding the tasks' log-variances under uncertainty weighting (one per task, in <see cref="Tasks"/> order).</summary>
    public const string LogVarianceParameter = "log_variance";

    /// <summary>The key under which the plan's forward pass gives a task's metric input.</summary>
    public static string MetricOutput(string path) => "metric:" + path;

    /// <summary>
    /// The training plan: the flow module, a forward pass giving each task's logits (by path) and metric input, one
    /// masked loss term per task (<c>loss.&lt;path&gt;</c>) weighted as <paramref name="weighting"/> says, and each
    /// task's metrics as <c>&lt;path&gt;.&lt;metric&gt;</c>. Train it on batches of <see cref="View"/>.
    /// </summary>
    public TrainingPlan ToPlan(TaskWeighting? weighting = null)
    {
        weighting ??= new TaskWeighting();
        var plan = new TrainingPlan().AddModule("flow", Module).WithForward(b =>
        {
            var logits = Forward(b);
            var outputs = new Dictionary<string, Tensor>(logits);
            foreach (var t in Tasks) outputs[MetricOutput(t.Path)] = t.Task!.MetricPrediction(logits[t.Path]);
            return outputs;
        });
        // Uncertainty weighting learns one log-variance per task, all in one parameter vector (one optimizer state, not one per task).
        Parameter? logVariance = null;
        if (weighting.Kind == TaskWeightingKind.Uncertainty)
        {
            logVariance = new Parameter(zeros(Tasks.Count));
            plan.AddParameter(LogVarianceParameter, logVariance);
        }

        for (int i = 0; i < Tasks.Count; i++)
        {
            var node = Tasks[i];
            int index = i;
            double weight = weighting.WeightOf(node);
            if (logVariance is { } s)
            {
                plan.AddLoss(node.Path, (o, b) =>
                {
                    var loss = TaskLoss(node, o[node.Path], b);
                    var si = s[index];
                    var any = b.Mask(node.Path).any().to_type(ScalarType.Float32);
                    // Kendall et al.: exp(-s) L + s; a batch without samples for the task leaves it out (zero, no pull on s).
                    return (si.neg().exp() * loss + si) * any;
                }, weight);
            }
            else
            {
                plan.AddLoss(node.Path, (o, b) => TaskLoss(node, o[node.Path], b), weight);
            }

            foreach (var m in node.Task!.Metrics) plan.AddMetric(node.Path + "." + m.Name, m.Create, MetricOutput(node.Path), node.Path);
        }

        return plan;
    }

    /// <summary>
    /// Predicts every task for a batch of the underlying data (features only are needed): logits, activated values,
    /// decoded answers (with the tasks' current, possibly tuned, thresholds) and whether the task applies to each sample
    /// according to the predicted preconditions. Runs in evaluation mode without gradients.
    /// </summary>
    /// <example>
    /// <code>
    /// var predictions = compiled.Predict(batch);
    /// bool locked = predictions["door_locked"].Applies[0].item&lt;bool&gt;() &amp;&amp; predictions["door_locked"].Decoded[0].item&lt;bool&gt;();
    /// </code>
    /// </example>
    public IReadOnlyDictionary<string, TaskPrediction> Predict(Batch batch)
    {
        bool wasTraining = Module.training;
        Module.eval();
        try
        {
            using var _ = no_grad();
            var logits = Forward(batch);
            var gates = Gates(HoldsFromPredictions(logits), batch.Size);
            return Tasks.ToDictionary(t => t.Path, t =>
            {
                var activated = t.Task!.Activate(logits[t.Path]);
                return new TaskPrediction(t.Path, logits[t.Path], activated, t.Task.Decode(activated), gates[t.Path].True);
            });
        }
        finally
        {
            Module.train(wasTraining);
        }
    }

    /// <summary>
    /// One pass over <paramref name="indices"/> of <paramref name="data"/> in evaluation mode without gradients: for each
    /// batch, <paramref name="visit"/> gets the batch, every task's logits and the ground truth (tensors live for the
    /// call). The module's mode is restored afterwards. Evaluation, interpretation and tuning share it.
    /// </summary>
    internal void ForEachEvaluationBatch(IDataset data, IReadOnlyList<long>? indices, int batchSize,
        Action<Batch, IReadOnlyDictionary<string, Tensor>, IReadOnlyDictionary<string, LabelTensor>> visit)
    {
        bool wasTraining = Module.training;
        Module.eval();
        try
        {
            foreach (var batch in new BatchLoader(data, new BatchLoaderOptions(batchSize, Shuffle: false, Prefetch: 0), indices).Epoch(0))
            {
                using var b = batch;
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var logits = Forward(b);
                visit(b, logits, GroundTruth(b));
            }
        }
        finally
        {
            Module.train(wasTraining);
        }
    }

    /// <summary>Disposes the module.</summary>
    public void Dispose() => Module.Dispose();

    private static Tensor Feature(Batch batch, string name) =>
        batch.Features.TryGetValue(name, out var f) ? f : throw new KeyNotFoundException($"The flow reads feature '{name}', which the batch lacks. Features: {string.Join(", ", batch.Features.Keys)}.");
}
