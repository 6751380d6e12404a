using static TorchSharp.torch;

namespace Graft.Data;

/// <summary>
/// A batch of named tensors: features by name and labels (values and mask) by name. The batch owns its tensors;
/// dispose it when the step is done.
/// </summary>
public sealed class Batch : IDisposable
{
    private readonly Dictionary<string, Tensor> _features;
    private readonly Dictionary<string, LabelTensor> _labels;

    /// <summary>Creates a batch that takes ownership of the given tensors.</summary>
    /// <param name="features">Feature tensors by name; each has the batch size as its first dimension.</param>
    /// <param name="labels">Label tensors by name.</param>
    /// <param name="indices">The dataset indices the batch was gathered from, if known.</param>
    public Batch(IReadOnlyDictionary<string, Tensor> features, IReadOnlyDictionary<string, LabelTensor>? labels = null, long[]? indices = null)
    {
        _features = new Dictionary<string, Tensor>(features);
        _labels = labels is null ? new() : new Dictionary<string, LabelTensor>(labels);
        Indices = indices ?? Array.Empty<long>();
        var first = _features.Values.Select(t => t.shape[0]).Concat(_labels.Values.Select(l => l.Values.shape[0])).ToList();
        Size = first.Count == 0 ? 0 : first[0];
        foreach (var (name, t) in _features)
            if (t.shape[0] != Size) throw new ArgumentException($"Batch tensor '{name}' has {t.shape[0]} rows but the batch has {Size}.");
        foreach (var (name, l) in _labels)
            if (l.Values.shape[0] != Size || l.Mask.shape[0] != Size)
                throw new ArgumentException($"Batch label '{name}' has {l.Values.shape[0]} rows and a mask of {l.Mask.shape[0]} but the batch has {Size}.");
    }

    /// <summary>The number of samples in the batch.</summary>
    public long Size { get; }

    /// <summary>The dataset indices this batch was gathered from (empty when unknown).</summary>
    public IReadOnlyList<long> Indices { get; }

    /// <summary>Feature tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Features => _features;

    /// <summary>Label tensors (values and masks) by name.</summary>
    public IReadOnlyDictionary<string, LabelTensor> Labels => _labels;

    /// <summary>The feature or label values called <paramref name="name"/> (features first).</summary>
    public Tensor this[string name] =>
        _features.TryGetValue(name, out var f) ? f
        : _labels.TryGetValue(name, out var l) ? l.Values
        : throw new KeyNotFoundException($"The batch has no tensor '{name}'. It has: {string.Join(", ", _features.Keys.Concat(_labels.Keys))}.");

    /// <summary>The mask of samples that carry label <paramref name="label"/>.</summary>
    public Tensor Mask(string label) =>
        _labels.TryGetValue(label, out var l) ? l.Mask
        : throw new KeyNotFoundException($"The batch has no label '{label}'. Its labels are: {string.Join(", ", _labels.Keys)}.");

    /// <summary>Replaces feature <paramref name="name"/> with <paramref name="value"/>, disposing the old tensor.</summary>
    public void ReplaceFeature(string name, Tensor value)
    {
        if (!_features.TryGetValue(name, out var old))
            throw new KeyNotFoundException($"The batch has no feature '{name}'. Its features are: {string.Join(", ", _features.Keys)}.");
        if (value.shape[0] != Size) throw new ArgumentException($"Replacement for '{name}' has {value.shape[0]} rows but the batch has {Size}.");
        _features[name] = value;
        if (!ReferenceEquals(old, value)) old.Dispose();
    }

    /// <summary>Moves every tensor to <paramref name="device"/>, returning a new batch and disposing this one's tensors if they moved.</summary>
    public Batch To(Device device)
    {
        if (_features.Values.All(t => t.device == device) && _labels.Values.All(l => l.Values.device == device)) return this;
        var moved = new Batch(
            _features.ToDictionary(kv => kv.Key, kv => kv.Value.to(device)),
            _labels.ToDictionary(kv => kv.Key, kv => new LabelTensor(kv.Value.Values.to(device), kv.Value.Mask.to(device))),
            Indices.ToArray());
        Dispose();
        return moved;
    }

    /// <summary>Disposes every tensor of the batch.</summary>
    public void Dispose()
    {
        foreach (var t in _features.Values) t.Dispose();
        foreach (var l in _labels.Values) l.Dispose();
        _features.Clear();
        _labels.Clear();
    }
}
