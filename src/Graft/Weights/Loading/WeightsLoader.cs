using Graft.Weights.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Weights.Loading;

/// <summary>
/// Loads a weights entry into any module. The file is read once into memory and its full SHA-256 checked against the
/// entry before a single tensor is parsed; then every tensor is matched by name (after <see cref="KeyMapping"/>) and
/// shape, adapted when asked (input channels, classifier), converted to the module's dtype and copied in.
/// </summary>
/// <example><code>
/// var report = WeightsLoader.Load(model, SmallCnnWeights.FashionMnistV1, new WeightsLoadOptions { ReplaceClassifier = true });
/// </code></example>
public static class WeightsLoader
{
    /// <summary>Reads an entry's file and checks its digest; returns the verified bytes.</summary>
    /// <exception cref="WeightsVerificationException">The digest differs.</exception>
    /// <exception cref="WeightsException">The file cannot be found or fetched.</exception>
    public static byte[] ReadVerified(WeightsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string path = WeightsStore.Locate(entry);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"weights {entry.Name}: cannot read {path}: {e.Message}", e);
        }

        var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new WeightsVerificationException(entry.Name, path, entry.Sha256.ToLowerInvariant(), actual);
        return bytes;
    }

    /// <summary>Reads an entry's tensors after verifying its digest, with names mapped by <paramref name="mapping"/>.</summary>
    /// <returns>The tensors by name, owned by the caller.</returns>
    /// <exception cref="WeightsVerificationException">The digest differs.</exception>
    public static OrderedDictionary<string, Tensor> ReadState(WeightsEntry entry, KeyMapping? mapping = null)
    {
        var bytes = ReadVerified(entry);
        OrderedDictionary<string, Tensor> raw;
        try
        {
            raw = WeightsFile.Read(bytes, entry.Format, entry.Name);
        }
        catch (InvalidDataException e)
        {
            throw new WeightsException($"weights {entry.Name}: {e.Message}", e);
        }

        mapping ??= KeyMapping.PyTorch;
        var mapped = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in raw)
        {
            var name = mapping.Map(k);
            if (!mapped.TryAdd(name, v))
            {
                foreach (var t in raw.Values) t.Dispose();
                throw new WeightsException($"weights {entry.Name}: tensors '{k}' and another both map to '{name}'.");
            }
        }

        return mapped;
    }

    /// <summary>Loads <paramref name="entry"/> into <paramref name="module"/>.</summary>
    /// <param name="module">The module to fill (its parameters keep their identity).</param>
    /// <param name="entry">The weights.</param>
    /// <param name="options">Strictness and adaptation; null for <see cref="WeightsLoadOptions.Default"/>.</param>
    /// <returns>What was loaded, adapted, dropped, missing and unexpected.</returns>
    /// <exception cref="WeightsVerificationException">The file's digest differs from the entry's: nothing is loaded.</exception>
    /// <exception cref="WeightsException">A tensor's shape does not fit (the message names it and both shapes), or a strict load finds missing or unexpected tensors.</exception>
    public static WeightsLoadReport Load(nn.Module module, WeightsEntry entry, WeightsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(entry);
        options ??= WeightsLoadOptions.Default;
        var source = ReadState(entry, options.KeyMapping);
        try
        {
            return Apply(module, source, entry, options);
        }
        finally
        {
            foreach (var t in source.Values) t.Dispose();
        }
    }

    /// <summary>Fits an in-memory state dictionary (already verified) to <paramref name="module"/>; see <see cref="Load"/>.</summary>
    internal static WeightsLoadReport Apply(nn.Module module, IReadOnlyDictionary<string, Tensor> source, WeightsEntry entry, WeightsLoadOptions options)
    {
        var target = WeightsFile.StateOf(module);
        string? firstConv = entry.FirstConv ?? target.FirstOrDefault(kv => kv.Key.EndsWith(".weight", StringComparison.Ordinal) && kv.Value.dim() == 4).Key;
        string? classifier = entry.Classifier ?? LastLinearPrefix(target);
        var loaded = new List<string>();
        var adapted = new List<string>();
        var reinit = new List<string>();
        var missing = new List<string>();
        var plan = new List<(Tensor Target, Tensor Value, bool Dispose)>();
        try
        {
            foreach (var (name, t) in target)
            {
                if (!source.TryGetValue(name, out var s))
                {
                    missing.Add(name);
                    continue;
                }

                if (s.shape.SequenceEqual(t.shape))
                {
                    plan.Add((t, s, false));
                    loaded.Add(name);
                    continue;
                }

                if (name == firstConv && s.dim() == 4 && t.dim() == 4 && s.shape[0] == t.shape[0] && s.shape[2] == t.shape[2] && s.shape[3] == t.shape[3])
                {
                    if (!options.AdaptInputChannels)
                        throw new WeightsException($"weights {entry.Name}: tensor '{name}' has shape {Shape(s)} in the file but {Shape(t)} in the module: the weights take {s.shape[1]} input channel(s), the module {t.shape[1]}. Load with AdaptInputChannels (graft: adapt) to convert them.");
                    var (value, how) = AdaptChannels(s, (int)t.shape[1]);
                    plan.Add((t, value, true));
                    adapted.Add($"{name}: {how}");
                    continue;
                }

                if (classifier is not null && name.StartsWith(classifier + ".", StringComparison.Ordinal))
                {
                    if (!options.ReplaceClassifier)
                        throw new WeightsException($"weights {entry.Name}: tensor '{name}' has shape {Shape(s)} in the file but {Shape(t)} in the module: the classifier '{classifier}' has another number of classes. Load with ReplaceClassifier to drop it and start it afresh.");
                    reinit.Add(name);
                    continue;
                }

                throw new WeightsException($"weights {entry.Name}: tensor '{name}' has shape {Shape(s)} in the file but {Shape(t)} in the module; the weights do not fit this module.");
            }

            // A classifier whose weight was dropped loses its bias too, whatever its shape says.
            if (reinit.Count > 0)
                foreach (var name in target.Keys.Where(k => k.StartsWith(classifier + ".", StringComparison.Ordinal) && !reinit.Contains(k)).ToList())
                {
                    int i = plan.FindIndex(p => ReferenceEquals(p.Target, target[name]));
                    if (i >= 0) plan.RemoveAt(i);
                    loaded.Remove(name);
                    reinit.Add(name);
                }

            var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
            if (options.Strict && (missing.Count > 0 || unexpected.Count > 0))
                throw new WeightsException($"weights {entry.Name} do not match the module's tensors: "
                    + (missing.Count > 0 ? $"missing in the file: {List(missing)}" : "")
                    + (missing.Count > 0 && unexpected.Count > 0 ? "; " : "")
                    + (unexpected.Count > 0 ? $"not in the module: {List(unexpected)}" : "")
                    + ". Load non-strictly to take what fits.");

            using (no_grad())
                foreach (var (t, v, _) in plan)
                {
                    using var converted = v.to(t.dtype, t.device);
                    t.copy_(converted);
                }

            return new WeightsLoadReport(entry.Name, entry.Sha256, loaded, adapted, reinit, missing, unexpected);
        }
        finally
        {
            foreach (var (_, v, dispose) in plan)
                if (dispose) v.Dispose();
        }
    }

    /// <summary>
    /// timm's input-convolution adaptation: to one channel, the sum over the file's channels; to N channels, the file's
    /// channels repeated to N and scaled by C/N so the activations keep their size.
    /// </summary>
    internal static (Tensor Value, string How) AdaptChannels(Tensor weight, int channels)
    {
        long c = weight.shape[1];
        if (channels == 1)
            return (weight.sum(1, keepdim: true, type: weight.dtype), $"{c} -> 1 input channel (summed)");
        long repeat = (channels + c - 1) / c;
        using var repeated = weight.repeat(1, repeat, 1, 1);
        using var sliced = repeated.narrow(1, 0, channels);
        return (sliced * ((double)c / channels), $"{c} -> {channels} input channels (repeated, scaled by {c}/{channels})");
    }

    private static string? LastLinearPrefix(IReadOnlyDictionary<string, Tensor> state)
    {
        var key = state.LastOrDefault(kv => kv.Key.EndsWith(".weight", StringComparison.Ordinal) && kv.Value.dim() == 2).Key;
        return key is null ? null : key[..^".weight".Length];
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    private static string List(List<string> names) => names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + $" and {names.Count - 8} more";
}
