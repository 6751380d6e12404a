using Graft.Flows.Composition;
using Graft.Flows.Tasks;

namespace Graft.Runs.RunFiles;

/// <summary>One entry of <c>encoders</c>: an input of the flows computed by a catalog model from a dataset feature.</summary>
/// <param name="Name">The input's name as flow lines read it (e.g. <c>features</c>).</param>
/// <param name="Input">The dataset feature it reads (e.g. <c>image</c>).</param>
/// <param name="Builder">The builder from the model catalog.</param>
/// <param name="Args">The builder's arguments as written.</param>
/// <param name="Size">The encoder's number of outputs (what a builder takes as its number of classes).</param>
/// <param name="Line">The line of the entry.</param>
public sealed record EncoderSection(string Name, string Input, string Builder, IReadOnlyDictionary<string, object> Args, long Size, int Line);

/// <summary>One entry of <c>tasks</c>.</summary>
/// <param name="Task">The task, made from its kind and options.</param>
/// <param name="Weight">Its fixed loss weight.</param>
/// <param name="Line">The line of the entry.</param>
public sealed record TaskSection(ITask Task, double Weight, int Line);

/// <summary>One line of a flow in <c>flows</c>.</summary>
/// <param name="Expression">The parsed line.</param>
/// <param name="Text">The line as written.</param>
/// <param name="Line">Its line in the run file.</param>
/// <param name="Key">Its key, e.g. <c>flows.full_flow[1]</c>.</param>
public sealed record FlowLineSection(FlowExpression Expression, string Text, int Line, string Key);

/// <summary>A flow of <c>flows</c>: a name and its lines.</summary>
/// <param name="Name">The flow's name (<c>flow</c> when <c>flows</c> is a plain list).</param>
/// <param name="Lines">Its lines, in order.</param>
public sealed record FlowDeclaration(string Name, IReadOnlyList<FlowLineSection> Lines);

/// <summary>The task-flow part of a run file: <c>encoders</c>, <c>tasks</c>, <c>flows</c> and <c>task_weighting</c>.</summary>
/// <param name="Encoders">Inputs computed by models.</param>
/// <param name="Tasks">The tasks.</param>
/// <param name="Flows">The flows; the last one is the flow that is trained.</param>
/// <param name="Weighting">How task losses are weighted.</param>
public sealed record FlowSection(IReadOnlyList<EncoderSection> Encoders, IReadOnlyList<TaskSection> Tasks, IReadOnlyList<FlowDeclaration> Flows, TaskWeightingKind Weighting)
{
    /// <summary>The flow that is trained: the last one declared.</summary>
    public string Root => Flows[^1].Name;
}
