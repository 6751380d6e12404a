using Graft.Flows.Tasks;
using Graft.Text;

namespace Graft.Flows.Composition;

/// <summary>Calls a task or a nested flow on an input: <c>f["door_open"](x["features"])</c>.</summary>
public delegate FlowNode FlowCall(FlowInput input);

/// <summary>The body of a flow: adds nodes to <c>o</c> from tasks and flows in <c>f</c> over inputs in <c>x</c>.</summary>
/// <param name="f">The project's tasks and flows, by name.</param>
/// <param name="x">The inputs, by name.</param>
/// <param name="o">The flow's outputs so far; add nodes with <c>o += ...</c> and refer to earlier ones as <c>o["name"]</c>.</param>
/// <returns>The outputs (return <paramref name="o"/>).</returns>
public delegate FlowOutputs FlowBody(FlowTasks f, FlowInputs x, FlowOutputs o);

/// <summary>The inputs of a flow by name (<c>x["features"]</c>).</summary>
public sealed class FlowInputs
{
    private readonly IReadOnlyCollection<string>? _known;

    internal FlowInputs(IReadOnlyCollection<string>? known) => _known = known;

    /// <summary>The input called <paramref name="name"/>.</summary>
    public FlowInput this[string name] =>
        _known is null || _known.Contains(name) ? new FlowInput(name)
        : throw new FlowDefinitionException($"The flow reads input '{name}', which is not declared. Inputs: {string.Join(", ", _known)}.{Suggestions.DidYouMean(name, _known)}");
}

/// <summary>The tasks and flows of a project by name (<c>f["door_open"]</c>).</summary>
public sealed class FlowTasks
{
    private readonly FlowProject _project;
    private readonly HashSet<string> _building;

    internal FlowTasks(FlowProject project, HashSet<string> building)
    {
        _project = project;
        _building = building;
    }

    /// <summary>The task or flow called <paramref name="name"/>, ready to be called on an input.</summary>
    public FlowCall this[string name] => input => _project.Call(name, input, _building);
}

/// <summary>The outputs of a flow being built (<c>o</c>): add nodes with <c>+=</c>, refer to earlier tasks with <c>o["name"]</c>.</summary>
public sealed class FlowOutputs
{
    private readonly List<FlowNode> _nodes = new();

    /// <summary>The nodes added, in order.</summary>
    public IReadOnlyList<FlowNode> Nodes => _nodes;

    /// <summary>Adds <paramref name="node"/> to the flow.</summary>
    public static FlowOutputs operator +(FlowOutputs outputs, FlowNode node)
    {
        if (outputs._nodes.Any(n => n.Name == node.Name)) throw new FlowDefinitionException($"The flow already has an output '{node.Name}'.");
        outputs._nodes.Add(node);
        return outputs;
    }

    /// <summary>The condition "task <paramref name="name"/> says yes", for preconditions (<c>| o["name"]</c>, <c>| ~o["name"]</c>).</summary>
    public Condition this[string name]
    {
        get
        {
            var node = _nodes.FirstOrDefault(n => n.Name == name)
                       ?? throw new FlowDefinitionException($"The precondition names '{name}', which is not an earlier output of this flow. Outputs so far: {(_nodes.Count == 0 ? "(none)" : string.Join(", ", _nodes.Select(n => n.Name)))}.{Suggestions.DidYouMean(name, _nodes.Select(n => n.Name))}");
            if (node.Task is not { IsCondition: true })
                throw new FlowDefinitionException($"'{name}' cannot be a precondition: {(node.Task is null ? "it is a flow" : $"it is a {node.Task.Kind} task")}; only binary tasks answer yes or no.");
            return new TaskCondition(node);
        }
    }
}

/// <summary>A mistake in a flow's definition (unknown task, cycle, bad precondition), with a hint.</summary>
public sealed class FlowDefinitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FlowDefinitionException(string message) : base(message)
    {
    }
}

/// <summary>
/// Tasks and flows by name, as in the seed's project: register tasks, add flows whose bodies call tasks and other
/// flows, and build a flow into its tree of nodes.
/// </summary>
/// <example>
/// <code>
/// var project = new FlowProject(new BinaryTask("camera_blocked"), new BinaryTask("door_open"));
/// project.AddFlow("full_flow", (f, x, o) =>
/// {
///     o += f["camera_blocked"](x["features"]);
///     o += f["door_open"](x["features"]) | ~o["camera_blocked"];
///     return o;
/// });
/// FlowNode root = project.Build("full_flow");
/// </code>
/// </example>
public sealed class FlowProject
{
    private readonly Dictionary<string, ITask> _tasks = new();
    private readonly Dictionary<string, FlowBody> _flows = new();

    /// <summary>Creates a project with <paramref name="tasks"/>.</summary>
    public FlowProject(params ITask[] tasks)
    {
        foreach (var t in tasks) AddTask(t);
    }

    /// <summary>The tasks by name.</summary>
    public IReadOnlyDictionary<string, ITask> Tasks => _tasks;

    /// <summary>The names of the flows, in the order they were added.</summary>
    public IReadOnlyList<string> Flows => _flows.Keys.ToList();

    /// <summary>The inputs flows may read; null accepts any name.</summary>
    public IReadOnlyCollection<string>? Inputs { get; set; }

    /// <summary>Adds a task.</summary>
    public FlowProject AddTask(ITask task)
    {
        if (_tasks.ContainsKey(task.Name) || _flows.ContainsKey(task.Name)) throw new FlowDefinitionException($"The project already has a task or flow called '{task.Name}'.");
        _tasks[task.Name] = task;
        return this;
    }

    /// <summary>Adds a flow; its body runs when a flow using it is built.</summary>
    public FlowProject AddFlow(string name, FlowBody body)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('.')) throw new FlowDefinitionException($"A flow name must be non-empty and free of dots; it is '{name}'.");
        if (_tasks.ContainsKey(name) || _flows.ContainsKey(name)) throw new FlowDefinitionException($"The project already has a task or flow called '{name}'.");
        _flows[name] = body;
        return this;
    }

    /// <summary>Builds flow <paramref name="name"/> into its tree: the root node's children are its outputs, nested flows expanded.</summary>
    public FlowNode Build(string name)
    {
        if (!_flows.ContainsKey(name)) throw new FlowDefinitionException($"The project has no flow '{name}'. Flows: {string.Join(", ", _flows.Keys)}.{Suggestions.DidYouMean(name, _flows.Keys)}");
        var root = Call(name, new FlowInput(""), new HashSet<string>());
        foreach (var c in root.Children) c.Attach("", null);
        return root;
    }

    internal FlowNode Call(string name, FlowInput input, HashSet<string> building)
    {
        if (_tasks.TryGetValue(name, out var task)) return new FlowNode(name, input, task, Array.Empty<FlowNode>(), null);
        if (!_flows.TryGetValue(name, out var body))
            throw new FlowDefinitionException($"The flow calls '{name}', which is neither a task nor a flow. Tasks: {string.Join(", ", _tasks.Keys)}; flows: {string.Join(", ", _flows.Keys)}.{Suggestions.DidYouMean(name, _tasks.Keys.Concat(_flows.Keys))}");
        if (!building.Add(name)) throw new FlowDefinitionException($"Flow '{name}' calls itself (through {string.Join(" -> ", building)}).");
        try
        {
            var outputs = body(new FlowTasks(this, building), new FlowInputs(Inputs), new FlowOutputs());
            if (outputs.Nodes.Count == 0) throw new FlowDefinitionException($"Flow '{name}' has no outputs: add tasks with o += f[\"task\"](x[\"input\"]).");
            return new FlowNode(name, input, null, outputs.Nodes.ToList(), null);
        }
        finally
        {
            building.Remove(name);
        }
    }
}
