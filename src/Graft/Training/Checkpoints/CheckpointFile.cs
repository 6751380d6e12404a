using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Graft.Training.Callbacks;
using Graft.Training.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Graft.Training.Checkpoints;

/// <summary>The loop state stored in a checkpoint next to the weights and the optimizer state.</summary>
/// <param name="EpochsCompleted">Epochs finished when the checkpoint was written.</param>
/// <param name="GlobalStep">Optimizer steps taken.</param>
/// <param name="Seed">The run's seed (shuffle, dropout and augmentation streams derive from it and the epoch).</param>
/// <param name="Schedule">The learning-rate schedule's state.</param>
/// <param name="BestMonitored">The best value of the monitored metric so far.</param>
/// <param name="EpochsWithoutImprovement">Early-stopping counter.</param>
/// <param name="History">Every finished epoch.</param>
public sealed record CheckpointState(int EpochsCompleted, long GlobalStep, long Seed, ScheduleState Schedule, double? BestMonitored, int EpochsWithoutImprovement, List<EpochRecord> History);

/// <summary>
/// Graft's checkpoint file: the loop state (JSON), every module's weights and buffers (each with a manifest of names,
/// dtypes and shapes), the optimizer state and extra parameters, followed by the SHA-256 of everything before it.
/// Written to a temp file and renamed, so a crash never leaves a half-written checkpoint. Loading checks the whole file
/// against the model before changing anything, so a checkpoint that does not fit leaves the model as it was.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "GRAFTCK2"u8.ToArray();
    private const int MaxDimensions = 64;

    // Metrics may be NaN (e.g. a metric over a label missing from a whole split); JSON has no NaN, so name them.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes a checkpoint atomically.</summary>
    internal static void Write(string path, TrainingPlan plan, OptimizerHelper optimizer, CheckpointState state)
    {
        using var scope = NewDisposeScope();
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        // Written straight to a temporary file (no in-memory copy of the weights: a checkpoint per epoch would otherwise
        // leave tens of megabytes of garbage behind), hashed from the file, then moved into place.
        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                using (var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
                {
                    w.Write(Magic);
                    var json = JsonSerializer.SerializeToUtf8Bytes(state, Json);
                    w.Write(json.Length);
                    w.Write(json);
                    w.Write(plan.Modules.Count);
                    foreach (var (name, module, _) in plan.Modules)
                    {
                        w.Write(name);
                        var entries = module.state_dict();
                        w.Write(entries.Count);
                        foreach (var (key, t) in entries)
                        {
                            w.Write(key);
                            WriteLayout(w, t.dtype, t.shape);
                        }

                        WriteBlob(w, s =>
                        {
                            using var mw = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                            module.save(mw);
                        });
                    }

                    WriteBlob(w, s =>
                    {
                        using var ow = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                        optimizer.save_state_dict(ow);
                    });
                    w.Write(plan.ExtraParameters.Count);
                    foreach (var (name, p) in plan.ExtraParameters)
                    {
                        w.Write(name);
                        var cpu = p.detach().cpu().contiguous();
                        WriteLayout(w, cpu.dtype, cpu.shape);
                        var bytes = cpu.bytes;
                        w.Write((long)bytes.Length);
                        w.Write(bytes);
                    }
                }

                file.Flush();
                file.Position = 0;
                var hash = SHA256.HashData(file);
                file.Position = file.Length;
                file.Write(hash);
                file.Flush(true);
            }
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }

        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Reads the loop state only (no weights), e.g. to show how far a run got.</summary>
    /// <exception cref="CheckpointException">The file is missing, not a checkpoint, or corrupt; the message names the file.</exception>
    public static CheckpointState ReadState(string path)
    {
        using var r = Open(path);
        return Guard(path, () => ReadHeader(r, path));
    }

    /// <summary>
    /// Loads the weights of a checkpoint (every module and extra parameter, not the optimizer) into
    /// <paramref name="plan"/>, e.g. <c>best.ckpt</c> for evaluation or inference. The plan must have the modules and
    /// parameters the checkpoint was written from, with the same shapes.
    /// </summary>
    /// <returns>The loop state stored with the weights.</returns>
    /// <exception cref="CheckpointException">The file is unreadable or corrupt, or does not fit the plan; nothing is changed then.</exception>
    public static CheckpointState LoadWeights(string path, TrainingPlan plan) => Read(path, plan, optimizer: null);

    /// <summary>Loads a checkpoint into <paramref name="plan"/>'s modules and <paramref name="optimizer"/>.</summary>
    internal static CheckpointState Read(string path, TrainingPlan plan, OptimizerHelper? optimizer)
    {
        using var scope = NewDisposeScope();
        using var r = Open(path);
        var content = Guard(path, () => Parse(r, path));
        Check(path, plan, content);
        // The optimizer first: its checks (type, groups, states) fail before it changes anything, and the modules were checked above.
        if (optimizer is not null)
        {
            try
            {
                using var s = new MemoryStream(content.Optimizer);
                using var br = new BinaryReader(s, Encoding.UTF8);
                optimizer.load_state_dict(br);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException)
            {
                throw new CheckpointException(path, $"the optimizer state does not fit the current optimizer and parameter groups: {e.Message}", e);
            }
        }

        var byName = plan.Modules.ToDictionary(m => m.Name, m => m.Module);
        foreach (var (name, _, blob) in content.Modules)
        {
            try
            {
                using var s = new MemoryStream(blob);
                using var br = new BinaryReader(s, Encoding.UTF8);
                byName[name].load(br);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                throw new CheckpointException(path, $"module '{name}' does not fit the checkpoint: {e.Message}", e);
            }
        }

        var extras = plan.ExtraParameters.ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, dtype, shape, bytes) in content.Extras)
        {
            var t = empty(shape, dtype);
            t.bytes = bytes;
            using (no_grad()) extras[name].copy_(t);
        }

        return content.State;
    }

    private sealed record ModuleSection(string Name, List<(string Key, ScalarType DType, long[] Shape)> Manifest, byte[] Blob);

    private sealed record Content(CheckpointState State, List<ModuleSection> Modules, byte[] Optimizer, List<(string Name, ScalarType DType, long[] Shape, byte[] Bytes)> Extras);

    private static Content Parse(BinaryReader r, string path)
    {
        var state = ReadHeader(r, path);
        int moduleCount = r.ReadInt32();
        if (moduleCount < 0) throw new CheckpointException(path, $"the module count is negative ({moduleCount}).");
        var modules = new List<ModuleSection>();
        for (int i = 0; i < moduleCount; i++)
        {
            var name = r.ReadString();
            int entries = r.ReadInt32();
            if (entries < 0) throw new CheckpointException(path, $"module '{name}' has a negative entry count ({entries}).");
            var manifest = new List<(string, ScalarType, long[])>();
            for (int k = 0; k < entries; k++)
            {
                var key = r.ReadString();
                var (dtype, shape) = ReadLayout(r, path, $"'{key}' of module '{name}'");
                manifest.Add((key, dtype, shape));
            }

            modules.Add(new ModuleSection(name, manifest, ReadBlob(r, path, $"the weights of module '{name}'")));
        }

        var optimizer = ReadBlob(r, path, "the optimizer state");
        int extraCount = r.ReadInt32();
        if (extraCount < 0) throw new CheckpointException(path, $"the extra parameter count is negative ({extraCount}).");
        var extras = new List<(string, ScalarType, long[], byte[])>();
        for (int i = 0; i < extraCount; i++)
        {
            var name = r.ReadString();
            var (dtype, shape) = ReadLayout(r, path, $"parameter '{name}'");
            var bytes = ReadBlob(r, path, $"parameter '{name}'");
            long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
            if (bytes.LongLength != expected)
                throw new CheckpointException(path, $"parameter '{name}' holds {bytes.LongLength} bytes but its shape [{string.Join(", ", shape)}] of {dtype} needs {expected}.");
            extras.Add((name, dtype, shape, bytes));
        }

        if (r.BaseStream.Position != r.BaseStream.Length)
            throw new CheckpointException(path, $"{r.BaseStream.Length - r.BaseStream.Position} unexpected bytes follow the last section (at byte offset {r.BaseStream.Position}).");
        return new Content(state, modules, optimizer, extras);
    }

    /// <summary>Compares the checkpoint's manifests with the plan, so that nothing is loaded from a checkpoint that does not fit.</summary>
    private static void Check(string path, TrainingPlan plan, Content content)
    {
        var planModules = plan.Modules.Select(m => m.Name).ToList();
        var fileModules = content.Modules.Select(m => m.Name).ToList();
        foreach (var name in fileModules.Where(n => !planModules.Contains(n)))
            throw new CheckpointException(path, $"it holds module '{name}', which the current model does not have (it has: {List(planModules)}).");
        foreach (var name in planModules.Where(n => !fileModules.Contains(n)))
            throw new CheckpointException(path, $"the current model has module '{name}', which the checkpoint does not hold (it holds: {List(fileModules)}).");

        foreach (var section in content.Modules)
        {
            var module = plan.Modules.First(m => m.Name == section.Name).Module;
            var current = module.state_dict();
            foreach (var (key, dtype, shape) in section.Manifest)
            {
                if (!current.TryGetValue(key, out var t))
                    throw new CheckpointException(path, $"module '{section.Name}' does not fit the checkpoint: the checkpoint has '{key}', which the module does not (it has: {List(current.Keys)}).");
                if (t.dtype != dtype || !t.shape.SequenceEqual(shape))
                    throw new CheckpointException(path,
                        $"module '{section.Name}' does not fit the checkpoint: '{key}' is {dtype} [{string.Join(", ", shape)}] in the checkpoint but {t.dtype} [{string.Join(", ", t.shape)}] in the module.");
            }

            foreach (var key in current.Keys.Where(k => section.Manifest.All(e => e.Key != k)))
                throw new CheckpointException(path, $"module '{section.Name}' does not fit the checkpoint: the module has '{key}', which the checkpoint does not.");
        }

        var planExtras = plan.ExtraParameters.ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, dtype, shape, _) in content.Extras)
        {
            if (!planExtras.TryGetValue(name, out var p))
                throw new CheckpointException(path, $"it holds parameter '{name}', which the current plan does not have (it has: {List(planExtras.Keys)}).");
            if (p.dtype != dtype || !p.shape.SequenceEqual(shape))
                throw new CheckpointException(path, $"parameter '{name}' is {dtype} [{string.Join(", ", shape)}] in the checkpoint but {p.dtype} [{string.Join(", ", p.shape)}] in the plan.");
        }

        foreach (var name in planExtras.Keys.Where(n => content.Extras.All(e => e.Name != n)))
            throw new CheckpointException(path, $"the current plan has parameter '{name}', which the checkpoint does not hold.");
    }

    private static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "the file does not exist.");
        var content = File.ReadAllBytes(path);
        if (content.Length < Magic.Length + 32 || !content.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException(path, $"not a Graft checkpoint (expected the magic bytes '{Encoding.ASCII.GetString(Magic)}' at offset 0 and a SHA-256 at the end).");
        var expected = content.AsSpan(content.Length - 32);
        var actual = SHA256.HashData(content.AsSpan(0, content.Length - 32));
        if (!expected.SequenceEqual(actual))
            throw new CheckpointException(path, "the file is corrupt: its SHA-256 does not match the one stored in its last 32 bytes (truncated or modified after writing).");
        var r = new BinaryReader(new MemoryStream(content, 0, content.Length - 32), Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        return r;
    }

    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointException(path, "a section ends before its declared size (the file was written by an incompatible writer).");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or FormatException)
        {
            throw new CheckpointException(path, $"the loop state is not valid JSON: {e.Message}", e);
        }
    }

    private static CheckpointState ReadHeader(BinaryReader r, string path)
    {
        int length = r.ReadInt32();
        long remaining = r.BaseStream.Length - r.BaseStream.Position;
        if (length < 0 || length > remaining)
            throw new CheckpointException(path, $"the loop state claims {length} bytes at byte offset {r.BaseStream.Position - 4} but only {remaining} remain.");
        var json = r.ReadBytes(length);
        return JsonSerializer.Deserialize<CheckpointState>(json, Json) ?? throw new CheckpointException(path, "the loop state is empty.");
    }

    private static void WriteLayout(BinaryWriter w, ScalarType dtype, long[] shape)
    {
        w.Write((int)dtype);
        w.Write(shape.Length);
        foreach (var d in shape) w.Write(d);
    }

    private static (ScalarType DType, long[] Shape) ReadLayout(BinaryReader r, string path, string what)
    {
        var dtype = (ScalarType)r.ReadInt32();
        if (!Enum.IsDefined(dtype)) throw new CheckpointException(path, $"{what} has an unknown dtype code {(int)dtype}.");
        int dims = r.ReadInt32();
        if (dims is < 0 or > MaxDimensions) throw new CheckpointException(path, $"{what} has {dims} dimensions; expected 0 to {MaxDimensions}.");
        var shape = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            shape[d] = r.ReadInt64();
            if (shape[d] < 0) throw new CheckpointException(path, $"{what} has a negative dimension ({shape[d]}).");
        }

        return (dtype, shape);
    }

    /// <summary>A length-prefixed blob written in place: the length is patched in once the blob is written.</summary>
    private static void WriteBlob(BinaryWriter w, Action<Stream> write)
    {
        w.Flush();
        var stream = w.BaseStream;
        long at = stream.Position;
        w.Write(0L);
        w.Flush();
        write(stream);
        stream.Flush();
        long end = stream.Position;
        stream.Position = at;
        w.Write(end - at - 8);
        w.Flush();
        stream.Position = end;
    }

    private static byte[] ReadBlob(BinaryReader r, string path, string what)
    {
        long length = r.ReadInt64();
        long remaining = r.BaseStream.Length - r.BaseStream.Position;
        if (length < 0 || length > remaining)
            throw new CheckpointException(path, $"{what} claims {length} bytes at byte offset {r.BaseStream.Position - 8} but only {remaining} remain.");
        return r.ReadBytes((int)length);
    }

    private static long ElementSize(ScalarType dtype)
    {
        using var t = empty(0, dtype);
        return t.ElementSize;
    }

    private static string List(IEnumerable<string> names)
    {
        var all = names.ToList();
        return all.Count == 0 ? "none" : string.Join(", ", all);
    }
}

/// <summary>Thrown when a checkpoint cannot be read or does not fit the model; the message names the file.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner) => Path = path;

    /// <summary>The checkpoint file at fault.</summary>
    public string Path { get; }
}
