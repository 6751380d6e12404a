using Graft.Flows.Tasks;

namespace Graft.Flows.Composition;

/// <summary>A named input of a flow (<c>x["features"]</c>): a dataset feature, or the output of an encoder over one.</summary>
/// <param name="Name">The input's name.</param>
public sealed record FlowInput(string Name)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// One step of a flow: a task, or a nested flow whose children it gates as a whole, over an input and under an optional
/// precondition. Write <c>node | condition</c> to add a precondition (twice: both must hold).
/// </summary>
public sealed class FlowNode
{
    internal FlowNode(string name, FlowInput input, ITask? task, IReadOnlyList<FlowNode> children, Condition? precondition)
    {
        Name = name;
        Input = input;
        Task = task;
        Children = children;
        Precondition = precondition;
    }

    /// <summary>The task's or nested flow's name.</summary>
    public string Name { get; }

    /// <summary>The full path, e.g. <c>person_regression.face_regression.face_x1</c> (set when the node joins a flow).</summary>
    public string Path { get; private set; } = "";

    /// <summary>The input the node reads.</summary>
    public FlowInput Input { get; }

    /// <summary>The task, or null for a nested flow.</summary>
    public ITask? Task { get; }

    /// <summary>A nested flow's nodes (empty for a task).</summary>
    public IReadOnlyList<FlowNode> Children { get; }

    /// <summary>The node's own precondition, or null.</summary>
    public Condition? Precondition { get; private set; }

    /// <summary>The enclosing nested flow's node, or null at the top.</summary>
    public FlowNode? Parent { get; private set; }

    /// <summary>Whether the node is a task (a leaf).</summary>
    public bool IsTask => Task is not null;

    /// <summary>Adds a precondition: the node (a whole subtree for a nested flow) learns only where it holds.</summary>
    public static FlowNode operator |(FlowNode node, Condition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        node.Precondition = node.Precondition is null ? condition : node.Precondition & condition;
        return node;
    }

    /// <summary>Every task below (and including) this node, in flow order.</summary>
    public IEnumerable<FlowNode> Leaves() => IsTask ? new[] { this } : Children.SelectMany(c => c.Leaves());

    /// <summary>This node and every node below it, in flow order.</summary>
    public IEnumerable<FlowNode> Descendants() => new[] { this }.Concat(Children.SelectMany(c => c.Descendants()));

    internal void Attach(string prefix, FlowNode? parent)
    {
        Path = prefix.Length == 0 ? Name : prefix + "." + Name;
        Parent = parent;
        foreach (var c in Children) c.Attach(Path, this);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}({Input}){(Precondition is null ? "" : " | " + Precondition)}";
}
