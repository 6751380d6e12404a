using System.Globalization;
using System.Text;
using Graft.Data;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using static TorchSharp.torch;

namespace Graft.Flows.Explanation;

/// <summary>One line of a tree explanation and the lines below it.</summary>
/// <param name="Text">The line, e.g. <c>camera_blocked | decoded: [False], activated: [0.0132], logits: [-4.31]</c>.</param>
/// <param name="Children">The lines below.</param>
public sealed record ExplanationNode(string Text, IReadOnlyList<ExplanationNode> Children)
{
    /// <summary>Every line of this subtree, depth first.</summary>
    public IEnumerable<ExplanationNode> Descendants() => new[] { this }.Concat(Children.SelectMany(c => c.Descendants()));
}

/// <summary>
/// Tree explanations as in the seed: per sample, every task's decoded answer, activated values and logits; a task
/// conditioned on an earlier task of its flow hangs below it; a nested flow is a branch; and a branch whose
/// preconditions do not hold according to the model's decoded predictions is not shown at all.
/// </summary>
/// <example>
/// <code>
/// foreach (var tree in FlowExplainer.Explain(compiled, batch)) Console.WriteLine(FlowExplainer.Render(tree));
/// </code>
/// </example>
public static class FlowExplainer
{
    /// <summary>Explains every sample of <paramref name="batch"/> (a batch of the underlying data): one tree per sample, titled <c>inp &lt;index&gt;</c>.</summary>
    /// <param name="flow">The compiled flow.</param>
    /// <param name="batch">The samples.</param>
    /// <param name="topClasses">How many classes classification tasks list.</param>
    public static IReadOnlyList<ExplanationNode> Explain(CompiledFlow flow, Batch batch, int topClasses = 3)
    {
        bool wasTraining = flow.Module.training;
        flow.Module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var logits = flow.Forward(batch);
            var gates = flow.Gates(flow.HoldsFromPredictions(logits), batch.Size);
            var shown = gates.ToDictionary(g => g.Key, g => g.Value.True.data<bool>().ToArray());
            var activated = flow.Tasks.ToDictionary(t => t.Path, t => t.Task!.Activate(logits[t.Path]));
            var result = new List<ExplanationNode>();
            for (int i = 0; i < batch.Size; i++)
            {
                int sample = i;
                string Line(FlowNode n) => Describe(n.Task!, logits[n.Path][sample], activated[n.Path][sample], topClasses);
                var title = "inp " + (batch.Indices.Count > i ? batch.Indices[i] : i).ToString(CultureInfo.InvariantCulture);
                result.Add(new ExplanationNode(title, Children(flow.Root.Children, p => shown[p][sample], Line)));
            }

            return result;
        }
        finally
        {
            flow.Module.train(wasTraining);
        }
    }

    /// <summary>Renders a tree with box-drawing characters, one line per node.</summary>
    public static string Render(ExplanationNode tree)
    {
        var sb = new StringBuilder();
        sb.Append(tree.Text).Append('\n');
        void Walk(IReadOnlyList<ExplanationNode> nodes, string indent)
        {
            for (int i = 0; i < nodes.Count; i++)
            {
                bool last = i == nodes.Count - 1;
                sb.Append(indent).Append(last ? "└── " : "├── ").Append(nodes[i].Text).Append('\n');
                Walk(nodes[i].Children, indent + (last ? "    " : "│   "));
            }
        }

        Walk(tree.Children, "");
        return sb.ToString();
    }

    private static List<ExplanationNode> Children(IReadOnlyList<FlowNode> siblings, Func<string, bool> shown, Func<FlowNode, string> line)
    {
        // A node hangs below the last earlier sibling task its own precondition names; otherwise at the flow's level.
        var below = siblings.ToDictionary(n => n, _ => new List<FlowNode>());
        var top = new List<FlowNode>();
        for (int i = 0; i < siblings.Count; i++)
        {
            var n = siblings[i];
            var parent = n.Precondition?.Tasks.Select(p => siblings.Take(i).FirstOrDefault(s => s.Path == p)).LastOrDefault(s => s is not null);
            if (parent is null) top.Add(n);
            else below[parent].Add(n);
        }

        ExplanationNode? Build(FlowNode n)
        {
            if (!shown(n.Path)) return null;
            var children = new List<ExplanationNode>();
            if (!n.IsTask) children.AddRange(Children(n.Children, shown, line));
            children.AddRange(below[n].Select(Build).OfType<ExplanationNode>());
            return new ExplanationNode(n.IsTask ? line(n) : n.Name, children);
        }

        return top.Select(Build).OfType<ExplanationNode>().ToList();
    }

    private static string Describe(ITask task, Tensor logits, Tensor activated, int topClasses)
    {
        var decoded = task.Decode(activated.unsqueeze(0))[0];
        string decodedText = task switch
        {
            ClassificationTask c => Numbers(decoded.to_type(ScalarType.Int64).data<long>().Take(topClasses).Select(k => c.ClassNames is null ? k.ToString(CultureInfo.InvariantCulture) : c.ClassNames[(int)k])),
            MultiLabelTask m when m.FlagNames is not null => Numbers(decoded.data<bool>().ToArray().Select((on, k) => on ? m.FlagNames[k] : null).OfType<string>()),
            _ when decoded.dtype == ScalarType.Bool => Numbers(decoded.flatten().data<bool>().ToArray().Select(b => b ? "True" : "False")),
            _ => Values(decoded),
        };
        return $"{task.Name} | decoded: {decodedText}, activated: {Values(activated)}, logits: {Values(logits)}";
    }

    private static string Values(Tensor t)
    {
        var values = t.flatten().to_type(ScalarType.Float64).data<double>().ToArray();
        var shown = values.Take(12).Select(v => v.ToString("G6", CultureInfo.InvariantCulture));
        return Numbers(values.Length > 12 ? shown.Append("…") : shown);
    }

    private static string Numbers(IEnumerable<string> items) => "[" + string.Join(" ", items) + "]";
}
