using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Data;

/// <summary>
/// Concatenates in-memory datasets that share their features but may be labelled for different tasks: every label of
/// any part is kept, and the samples of parts that lack it carry a placeholder with a false mask (a missing label,
/// never a dropped row).
/// </summary>
/// <example>
/// <code>
/// var both = DatasetConcatenation.Concatenate(labelledForDoors, labelledForPeople);
/// </code>
/// </example>
public static class DatasetConcatenation
{
    /// <summary>The samples of every part, in order.</summary>
    /// <exception cref="ArgumentException">The parts' features differ in name or sample shape, or a label's kind or shape differs between parts.</exception>
    public static TensorDataset Concatenate(params TensorDataset[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("Give at least one dataset to concatenate.");
        var first = parts[0].Schema;
        foreach (var p in parts.Skip(1))
            foreach (var f in first.Features)
            {
                var other = p.Schema.Features.FirstOrDefault(x => x.Name == f.Name)
                            ?? throw new ArgumentException($"Feature '{f.Name}' is in the first dataset but not in every other: concatenated datasets share their features.");
                if (!other.SampleShape.SequenceEqual(f.SampleShape))
                    throw new ArgumentException($"Feature '{f.Name}' has samples of shape [{string.Join(", ", f.SampleShape)}] in one dataset and [{string.Join(", ", other.SampleShape)}] in another.");
            }

        var labels = new List<LabelInfo>();
        foreach (var l in parts.SelectMany(p => p.Schema.Labels))
        {
            var known = labels.FirstOrDefault(x => x.Name == l.Name);
            if (known is null) labels.Add(l);
            else if (known.Kind != l.Kind || !known.SampleShape.SequenceEqual(l.SampleShape))
                throw new ArgumentException($"Label '{l.Name}' is {known.Kind} [{string.Join(", ", known.SampleShape)}] in one dataset and {l.Kind} [{string.Join(", ", l.SampleShape)}] in another.");
        }

        var result = new TensorDataset();
        foreach (var f in first.Features)
        {
            using var scope = NewDisposeScope();
            var joined = cat(parts.Select(p => p.Feature(f.Name).to_type(f.DType)).ToArray(), 0).MoveToOuterDisposeScope();
            result = result.WithFeature(f.Name, joined, f.ColumnNames);
        }

        foreach (var l in labels)
        {
            using var scope = NewDisposeScope();
            var values = new List<Tensor>();
            var masks = new List<Tensor>();
            foreach (var p in parts)
            {
                if (p.Schema.Labels.Any(x => x.Name == l.Name))
                {
                    var label = p.Label(l.Name);
                    values.Add(label.Values);
                    masks.Add(label.Mask);
                }
                else
                {
                    var dtype = l.Kind == LabelKind.Class ? ScalarType.Int64 : ScalarType.Float32;
                    values.Add(zeros(new[] { p.Count }.Concat(l.SampleShape).ToArray(), dtype));
                    masks.Add(zeros(p.Count, ScalarType.Bool));
                }
            }

            var v = cat(values.ToArray(), 0).MoveToOuterDisposeScope();
            var m = cat(masks.ToArray(), 0).MoveToOuterDisposeScope();
            result = result.WithLabel(l.Name, v, l.Kind, m, l.Classes);
        }

        return result;
    }
}
