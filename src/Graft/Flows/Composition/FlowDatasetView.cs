using Graft.Data;
using static TorchSharp.torch;

namespace Graft.Flows.Composition;

/// <summary>
/// The seed's "dataset generation": a dataset whose batches carry exactly what the flow needs — the features its
/// inputs read, each task's label under the task's path (its mask: the label is available and the task's
/// preconditions hold in the ground truth), and under <c>gt.&lt;path&gt;</c> the ground truth (with availability) of
/// every task used as a precondition. The user never lists them.
/// </summary>
public sealed class FlowDatasetView : IDataset
{
    private readonly CompiledFlow _flow;
    private readonly IDataset _data;

    internal FlowDatasetView(CompiledFlow flow, IDataset data)
    {
        _flow = flow;
        _data = data;
        foreach (var f in flow.Features)
            if (data.Schema.Features.All(x => x.Name != f))
                throw new FlowDefinitionException($"The flow reads feature '{f}', which the data lacks. Features: {string.Join(", ", data.Schema.Features.Select(x => x.Name))}.");
        var features = flow.Features.Select(f => data.Schema.Feature(f)).ToList();
        var labels = flow.Tasks.Select(t => Info(t.Path, t.Task!.Label))
            .Concat(flow.Conditions.Select(c => Info(CompiledFlow.GroundTruthPrefix + c.Path, c.Task!.Label))).ToList();
        Schema = new DatasetSchema(features, labels);
    }

    /// <summary>The underlying dataset.</summary>
    public IDataset Data => _data;

    /// <inheritdoc />
    public long Count => _data.Count;

    /// <inheritdoc />
    public DatasetSchema Schema { get; }

    /// <inheritdoc />
    public Batch GetBatch(ReadOnlySpan<long> indices)
    {
        using var raw = _data.GetBatch(indices);
        using var scope = NewDisposeScope();
        var gt = _flow.GroundTruth(raw);
        var masks = _flow.TrainingMasks(gt, raw.Size);
        var features = _flow.Features.ToDictionary(f => f, f => raw.Features[f].clone());
        var labels = new Dictionary<string, LabelTensor>();
        foreach (var t in _flow.Tasks) labels[t.Path] = new LabelTensor(gt[t.Path].Values.clone(), masks[t.Path]);
        foreach (var c in _flow.Conditions) labels[CompiledFlow.GroundTruthPrefix + c.Path] = new LabelTensor(gt[c.Path].Values.clone(), gt[c.Path].Mask.clone());
        foreach (var t in features.Values) t.DetachFromDisposeScope();
        foreach (var l in labels.Values) { l.Values.DetachFromDisposeScope(); l.Mask.DetachFromDisposeScope(); }
        return new Batch(features, labels, raw.Indices.ToArray());
    }

    private LabelInfo Info(string name, string label)
    {
        var info = _data.Schema.Labels.FirstOrDefault(l => l.Name == label);
        return info is null ? new LabelInfo(name, LabelKind.Value, Array.Empty<long>()) : info with { Name = name };
    }
}
