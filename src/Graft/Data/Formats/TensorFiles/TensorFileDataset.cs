using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Graft.Data.Formats.TensorFiles;

/// <summary>
/// Turns the named tensors of a tensor file (<c>.npz</c>, <c>.safetensors</c>, a single <c>.npy</c>) into a
/// <see cref="TensorDataset"/>.
/// </summary>
/// <remarks>
/// Labels are the tensors <see cref="TensorFileOptions.Labels"/> names (by default <c>y</c>, <c>label</c>,
/// <c>labels</c>, <c>target</c>, <c>targets</c>); all others are features, in file order. Missing labels: a label
/// <c>y</c> may come with a companion tensor <c>y_mask</c> (bool or 0/1, shape <c>[N]</c>) whose false entries mark
/// samples without the label; in floating-point labels NaN also marks a missing label (a sample whose label row
/// holds any NaN is missing). Missing slots are set to 0. Every tensor must share the same first (sample) dimension.
/// </remarks>
public static class TensorFileDataset
{
    /// <summary>
    /// Builds a dataset from <paramref name="tensors"/>. The dataset takes ownership of the tensors: on success it holds
    /// them (or tensors derived from them) until disposed; on failure they are disposed.
    /// </summary>
    /// <param name="tensors">The file's tensors by name, in file order.</param>
    /// <param name="options">Which tensors are labels.</param>
    /// <param name="pathForErrors">The file named in error messages.</param>
    /// <exception cref="DataFormatException">
    /// The tensors do not form a dataset: no tensors, a scalar, differing first dimensions, a named label the file lacks
    /// or an invalid mask.
    /// </exception>
    public static TensorDataset FromTensors(IReadOnlyDictionary<string, Tensor> tensors, TensorFileOptions options, string pathForErrors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pathForErrors);
        var created = new List<Tensor>();
        var partial = new StrongBox<TensorDataset>(new TensorDataset());
        TensorDataset? dataset = null;
        try
        {
            dataset = Build(tensors, options, pathForErrors, created, partial);
            return dataset;
        }
        catch
        {
            partial.Value!.Dispose();
            foreach (var t in created) t.Dispose();
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        finally
        {
            if (dataset is not null)
            {
                // Tensors the dataset does not hold (converted masks, cleaned labels' originals) are no longer needed.
                var kept = new HashSet<IntPtr>(dataset.Features.Values.Select(t => t.Handle)
                    .Concat(dataset.Labels.Values.SelectMany(l => new[] { l.Values.Handle, l.Mask.Handle })));
                foreach (var t in created.Concat(tensors.Values))
                    if (!t.IsInvalid && !kept.Contains(t.Handle)) t.Dispose();
            }
        }
    }

    private static TensorDataset Build(IReadOnlyDictionary<string, Tensor> tensors, TensorFileOptions options, string path, List<Tensor> created, StrongBox<TensorDataset> partial)
    {
        if (tensors.Count == 0) throw new DataFormatException(path, "the file holds no tensors; expected at least one feature");

        List<(string Name, LabelKind? Kind)> labels;
        if (options.Labels is null)
        {
            labels = tensors.Keys.Where(n => TensorFileOptions.DefaultLabelNames.Contains(n)).Select(n => (n, (LabelKind?)null)).ToList();
        }
        else
        {
            labels = new();
            foreach (var (name, kind) in options.Labels)
            {
                if (!tensors.ContainsKey(name))
                    throw new DataFormatException(path, $"label '{name}' is not in the file; its tensors are: {Describe(tensors)}");
                labels.Add((name, kind));
            }
        }

        var labelNames = labels.Select(l => l.Name).ToHashSet();
        var maskNames = labels.Select(l => l.Name + TensorFileOptions.MaskSuffix).Where(tensors.ContainsKey).ToHashSet();

        foreach (var (name, tensor) in tensors)
            if (tensor.dim() == 0)
                throw new DataFormatException(path, $"tensor '{name}' is a scalar (shape []); every tensor of a dataset needs a leading sample dimension");
        var rows = tensors.Values.Select(t => t.shape[0]).Distinct().ToList();
        if (rows.Count > 1)
            throw new DataFormatException(path,
                $"the tensors have different numbers of samples (first dimension): {Describe(tensors)}; every feature, label and mask must have the same first dimension");

        var dataset = new TensorDataset();
        try
        {
            foreach (var (name, tensor) in tensors)
                if (!labelNames.Contains(name) && !maskNames.Contains(name))
                    partial.Value = dataset = dataset.WithFeature(name, tensor);

            foreach (var (name, kind) in labels)
            {
                var values = tensors[name];
                Tensor? mask = null;
                if (tensors.TryGetValue(name + TensorFileOptions.MaskSuffix, out var maskTensor))
                    mask = ToMask(path, name + TensorFileOptions.MaskSuffix, maskTensor, created);
                (values, mask) = ApplyMissing(values, mask, created);
                partial.Value = dataset = dataset.WithLabel(name, values, kind, mask);
            }
        }
        catch (ArgumentException ex)
        {
            throw new DataFormatException(path, ex.Message, null, ex);
        }

        return dataset;
    }

    private static Tensor ToMask(string path, string name, Tensor mask, List<Tensor> created)
    {
        if (mask.dim() != 1)
            throw new DataFormatException(path, $"mask '{name}' has shape {TensorBytes.FormatShape(mask.shape)}; expected [N]: one flag per sample");
        if (mask.dtype == ScalarType.Bool) return mask;
        if (mask.is_complex())
            throw new DataFormatException(path, $"mask '{name}' is {mask.dtype}; expected bool or 0/1 values");
        using (var zero = mask.eq(0))
        using (var one = mask.eq(1))
        using (var valid = zero.logical_or(one))
        using (var all = valid.all())
        {
            if (!all.item<bool>())
                throw new DataFormatException(path, $"mask '{name}' holds values other than 0 and 1; expected bool or 0/1 values (1 = label present)");
        }

        var converted = mask.to_type(ScalarType.Bool);
        created.Add(converted);
        return converted;
    }

    /// <summary>Marks NaN label rows as missing and zeroes every missing slot.</summary>
    private static (Tensor Values, Tensor? Mask) ApplyMissing(Tensor values, Tensor? mask, List<Tensor> created)
    {
        Tensor? present = mask;
        if (values.is_floating_point())
        {
            using var nan = values.isnan();
            using var nanRows = values.dim() == 1 ? nan.clone() : AnyPerRow(nan);
            using var anyNan = nanRows.any();
            if (anyNan.item<bool>())
            {
                using var notNan = nanRows.logical_not();
                present = mask is null ? notNan.clone() : mask.logical_and(notNan);
                created.Add(present);
            }
        }

        if (present is null) return (values, null);
        using (var missing = present.logical_not())
        using (var anyMissing = missing.any())
        {
            if (!anyMissing.item<bool>()) return (values, present);
            var shape = new long[values.dim()];
            Array.Fill(shape, 1L);
            shape[0] = values.shape[0];
            using var broadcast = missing.reshape(shape);
            var cleaned = values.masked_fill(broadcast, 0);
            created.Add(cleaned);
            return (cleaned, present);
        }
    }

    private static Tensor AnyPerRow(Tensor flags)
    {
        using var flat = flags.flatten(1);
        return flat.any(1);
    }

    private static string Describe(IReadOnlyDictionary<string, Tensor> tensors) =>
        string.Join(", ", tensors.Select(kv => $"'{kv.Key}' {TensorBytes.FormatShape(kv.Value.shape)}"));
}
