using Graft.Data;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Flows;

/// <summary>Small hand-made flows and datasets for flow tests.</summary>
internal static class FlowTestKit
{
    /// <summary>
    /// blocked; open | ~blocked; locked | ~open; person (nested: size, kind) | open &amp; ~blocked... as configured by the caller.
    /// </summary>
    public static FlowProject Project() =>
        new FlowProject(
                new BinaryTask("blocked"), new BinaryTask("open"), new BinaryTask("locked"), new BinaryTask("present"),
                new BoundedRegressionTask("size", scale: 10), new ClassificationTask("kind", 3), new MultiLabelTask("traits", 2))
            .AddFlow("person", (f, x, o) =>
            {
                o += f["size"](x["x"]);
                o += f["kind"](x["x"]);
                o += f["traits"](x["x"]);
                return o;
            })
            .AddFlow("scene", (f, x, o) =>
            {
                o += f["blocked"](x["x"]);
                o += f["open"](x["x"]) | ~o["blocked"];
                o += f["locked"](x["x"]) | ~o["open"];
                o += f["present"](x["x"]) | o["open"];
                o += f["person"](x["x"]) | o["present"];
                return o;
            });

    /// <summary>Rows of (blocked, open, locked, present, size, kind); -1 marks a missing label.</summary>
    public static TensorDataset Scene(params (int Blocked, int Open, int Locked, int Present, float Size, int Kind)[] rows)
    {
        long n = rows.Length;
        var data = new TensorDataset().WithFeature("x", randn(n, 4, generator: new Generator(3)));
        Tensor Col(Func<int, float> get) => tensor(Enumerable.Range(0, (int)n).Select(get).ToArray());
        Tensor Mask(Func<int, float> get) => tensor(Enumerable.Range(0, (int)n).Select(i => get(i) >= 0).ToArray());
        foreach (var (name, get) in new (string, Func<int, float>)[]
                 {
                     ("blocked", i => rows[i].Blocked), ("open", i => rows[i].Open), ("locked", i => rows[i].Locked), ("present", i => rows[i].Present),
                 })
            data = data.WithLabel(name, Col(i => Math.Max(0, get(i))), LabelKind.Class, Mask(get), new[] { "no", "yes" });
        data = data.WithLabel("size", Col(i => Math.Max(0, rows[i].Size)), LabelKind.Value, Mask(i => rows[i].Size));
        data = data.WithLabel("kind", Col(i => Math.Max(0, rows[i].Kind)), LabelKind.Class, Mask(i => rows[i].Kind), new[] { "a", "b", "c" });
        data = data.WithLabel("traits", zeros(n, 2), LabelKind.MultiLabel, Mask(i => rows[i].Kind));
        return data;
    }

    public static CompiledFlow Compile(FlowProject project, TensorDataset data, string flow = "scene")
    {
        manual_seed(0);
        return FlowCompiler.Compile(project.Build(flow), Array.Empty<FlowEncoder>(), data.Schema);
    }

    public static bool[] Bools(Tensor t) => t.to_type(ScalarType.Bool).data<bool>().ToArray();
}
