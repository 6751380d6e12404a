using Graft.Data;
using Graft.Training.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Training;

/// <summary>Computes one loss term from a batch's model outputs and its labels.</summary>
/// <param name="outputs">The named outputs of the forward pass.</param>
/// <param name="batch">The batch (features, labels and masks).</param>
/// <returns>A scalar loss tensor.</returns>
public delegate Tensor LossFunction(IReadOnlyDictionary<string, Tensor> outputs, Batch batch);

/// <summary>One weighted loss term; all terms are summed into one backward pass.</summary>
/// <param name="Name">The name it is logged under (e.g. <c>cross_entropy</c>).</param>
/// <param name="Weight">Its weight in the sum.</param>
/// <param name="Compute">How to compute it.</param>
public sealed record LossTerm(string Name, double Weight, LossFunction Compute);

/// <summary>A streaming metric fed with one model output and one label.</summary>
/// <param name="Name">The name it is logged under (e.g. <c>accuracy</c>).</param>
/// <param name="Create">Makes a fresh metric (one per split).</param>
/// <param name="Output">The name of the model output compared with the label.</param>
/// <param name="Label">The name of the label (its mask selects the samples that count).</param>
public sealed record MetricBinding(string Name, Func<IMetric> Create, string Output, string Label);

/// <summary>Parameters trained with their own optimizer settings (null settings fall back to the optimizer's).</summary>
/// <param name="Name">The group's name, used in logs and checkpoints.</param>
/// <param name="Parameters">The parameters of the group.</param>
/// <param name="LearningRate">The group's base learning rate, or null for the optimizer's.</param>
/// <param name="WeightDecay">The group's weight decay, or null for the optimizer's.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double? LearningRate = null, double? WeightDecay = null);

/// <summary>
/// What the <see cref="Trainer"/> trains: named modules, the forward pass from a batch to named outputs, weighted
/// losses, metrics, parameter groups with their own optimizer settings, and learnable parameters outside any module
/// (e.g. task weights). Users own the model; the trainer owns the loop.
/// </summary>
/// <example>
/// <code>
/// var plan = new TrainingPlan()
///     .AddModule("net", net)
///     .WithForward(b => new Dictionary&lt;string, Tensor&gt; { ["logits"] = net.call(b["image"]) })
///     .AddLoss("cross_entropy", (o, b) => MaskedLosses.CrossEntropy(o["logits"], b["label"], b.Mask("label")))
///     .AddMetric("accuracy", () => new Accuracy(), output: "logits", label: "label");
/// </code>
/// </example>
public sealed class TrainingPlan
{
    private readonly List<(string Name, nn.Module Module, bool Trained)> _modules = new();
    private readonly List<LossTerm> _losses = new();
    private readonly List<MetricBinding> _metrics = new();
    private readonly List<ParameterGroup> _groups = new();
    private readonly List<(string Name, Parameter Parameter)> _extra = new();
    private Func<Batch, IReadOnlyDictionary<string, Tensor>>? _forward;

    /// <summary>The modules, in order, with whether each is trained.</summary>
    public IReadOnlyList<(string Name, nn.Module Module, bool Trained)> Modules => _modules;

    /// <summary>The loss terms.</summary>
    public IReadOnlyList<LossTerm> Losses => _losses;

    /// <summary>The metrics.</summary>
    public IReadOnlyList<MetricBinding> Metrics => _metrics;

    /// <summary>Learnable parameters outside any module, by name.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> ExtraParameters => _extra;

    /// <summary>Adds a module. Frozen modules (<paramref name="trained"/> false) run but are not updated.</summary>
    public TrainingPlan AddModule(string name, nn.Module module, bool trained = true)
    {
        if (_modules.Any(m => m.Name == name)) throw new ArgumentException($"The plan already has a module called '{name}'.");
        _modules.Add((name, module, trained));
        return this;
    }

    /// <summary>Sets the forward pass: from a batch to named outputs.</summary>
    public TrainingPlan WithForward(Func<Batch, IReadOnlyDictionary<string, Tensor>> forward)
    {
        _forward = forward;
        return this;
    }

    /// <summary>Adds a loss term with a weight.</summary>
    public TrainingPlan AddLoss(string name, LossFunction loss, double weight = 1.0)
    {
        if (_losses.Any(l => l.Name == name)) throw new ArgumentException($"The plan already has a loss called '{name}'.");
        _losses.Add(new LossTerm(name, weight, loss));
        return this;
    }

    /// <summary>Adds a metric computed from output <paramref name="output"/> against label <paramref name="label"/>.</summary>
    public TrainingPlan AddMetric(string name, Func<IMetric> create, string output, string label)
    {
        if (_metrics.Any(m => m.Name == name)) throw new ArgumentException($"The plan already has a metric called '{name}'.");
        _metrics.Add(new MetricBinding(name, create, output, label));
        return this;
    }

    /// <summary>
    /// Gives some parameters their own learning rate or weight decay. Parameters not in any group form a default group
    /// with the optimizer's settings.
    /// </summary>
    public TrainingPlan AddParameterGroup(string name, IEnumerable<Parameter> parameters, double? learningRate = null, double? weightDecay = null)
    {
        if (_groups.Any(g => g.Name == name) || name == "default") throw new ArgumentException($"A parameter group called '{name}' already exists.");
        if (learningRate is { } lr && (!(lr >= 0) || double.IsInfinity(lr)))
            throw new ArgumentException($"Parameter group '{name}': the learning rate must be a finite number of at least 0; it is {lr}.");
        if (weightDecay is { } wd && (!(wd >= 0) || double.IsInfinity(wd)))
            throw new ArgumentException($"Parameter group '{name}': the weight decay must be a finite number of at least 0; it is {wd}.");
        _groups.Add(new ParameterGroup(name, parameters.ToArray(), learningRate, weightDecay));
        return this;
    }

    /// <summary>Adds a learnable parameter that lives outside every module (e.g. a task weight); it is trained and checkpointed.</summary>
    public TrainingPlan AddParameter(string name, Parameter parameter)
    {
        if (_extra.Any(p => p.Name == name)) throw new ArgumentException($"The plan already has a parameter called '{name}'.");
        _extra.Add((name, parameter));
        return this;
    }

    /// <summary>
    /// Whether larger values of the monitored metric <paramref name="monitor"/> (<c>split.name</c>, e.g.
    /// <c>validation.accuracy</c>) are better: losses are lower-is-better, metrics say so themselves.
    /// </summary>
    /// <exception cref="ArgumentException">The plan has no such metric; the message lists the ones it has.</exception>
    public bool HigherIsBetter(string monitor)
    {
        var name = monitor[(monitor.IndexOf('.') + 1)..];
        if (name.StartsWith("loss", StringComparison.Ordinal)) return false;
        var binding = _metrics.FirstOrDefault(m => m.Name == name)
                      ?? throw new ArgumentException($"training.monitor is '{monitor}' but the model has no metric '{name}'. Its metrics are: loss{string.Concat(_metrics.Select(m => ", " + m.Name))}.");
        return binding.Create().HigherIsBetter;
    }

    /// <summary>Runs the forward pass.</summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Batch batch) =>
        (_forward ?? throw new InvalidOperationException("The training plan has no forward pass: call WithForward."))(batch);

    /// <summary>Sets every module to training or evaluation mode.</summary>
    public void SetTraining(bool training)
    {
        foreach (var (_, module, trained) in _modules) module.train(training && trained);
    }

    /// <summary>
    /// The parameter groups the optimizer gets: the explicit groups first, then a default group with every other
    /// trainable parameter of the trained modules and the extra parameters.
    /// </summary>
    public IReadOnlyList<ParameterGroup> ResolveParameterGroups()
    {
        var claimed = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var result = new List<ParameterGroup>();
        foreach (var g in _groups)
        {
            foreach (var p in g.Parameters)
                if (!claimed.Add(p)) throw new ArgumentException($"A parameter appears in two parameter groups (second: '{g.Name}').");
            result.Add(g);
        }

        var rest = _modules.Where(m => m.Trained).SelectMany(m => m.Module.parameters()).Concat(_extra.Select(e => e.Parameter))
            .Where(p => p.requires_grad && !claimed.Contains(p)).Distinct(ReferenceEqualityComparer.Instance).Cast<Parameter>().ToList();
        if (rest.Count > 0) result.Insert(0, new ParameterGroup("default", rest));
        if (result.Count == 0) throw new InvalidOperationException("The training plan has no trainable parameters.");
        return result;
    }
}
