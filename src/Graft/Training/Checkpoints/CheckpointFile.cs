using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Graft.Training.Callbacks;
using Graft.Training.Schedules;
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
/// Graft's checkpoint file: the loop state (JSON), every module's weights and buffers, the optimizer state and extra
/// parameters, followed by the SHA-256 of everything before it. Written to a temp file and renamed, so a crash never
/// leaves a half-written checkpoint.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "GRAFTCK1"u8.ToArray();

    /// <summary>Writes a checkpoint atomically.</summary>
    internal static void Write(string path, TrainingPlan plan, OptimizerHelper optimizer, CheckpointState state)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            var json = JsonSerializer.SerializeToUtf8Bytes(state);
            w.Write(json.Length);
            w.Write(json);
            w.Write(plan.Modules.Count);
            foreach (var (name, module, _) in plan.Modules)
            {
                w.Write(name);
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
                using var cpu = p.detach().to(CPU).to_type(ScalarType.Float32).contiguous();
                w.Write(cpu.dim());
                foreach (var d in cpu.shape) w.Write(d);
                foreach (var v in cpu.data<float>()) w.Write(v);
            }
        }

        var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            buffer.Position = 0;
            buffer.CopyTo(f);
            f.Flush(true);
        }

        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Reads the loop state only (no weights), e.g. to show how far a run got.</summary>
    public static CheckpointState ReadState(string path)
    {
        using var r = Open(path, out _);
        return ReadHeader(r, path);
    }

    /// <summary>Loads the weights of a checkpoint into <paramref name="plan"/>'s modules and extra parameters (for evaluation or prediction).</summary>
    /// <exception cref="CheckpointException">The file is missing, corrupt, or does not fit the plan.</exception>
    public static CheckpointState Load(string path, TrainingPlan plan) => Read(path, plan, null);

    /// <summary>Loads a checkpoint into <paramref name="plan"/>'s modules and <paramref name="optimizer"/>.</summary>
    internal static CheckpointState Read(string path, TrainingPlan plan, OptimizerHelper? optimizer)
    {
        using var r = Open(path, out _);
        var state = ReadHeader(r, path);
        int modules = r.ReadInt32();
        var byName = plan.Modules.ToDictionary(m => m.Name, m => m.Module);
        for (int i = 0; i < modules; i++)
        {
            var name = r.ReadString();
            var blob = ReadBlob(r, path);
            if (!byName.TryGetValue(name, out var module))
                throw new CheckpointException(path, $"it holds module '{name}', which the current model does not have (it has: {string.Join(", ", byName.Keys)}).");
            try
            {
                using var s = new MemoryStream(blob);
                using var br = new BinaryReader(s);
                module.load(br);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                throw new CheckpointException(path, $"module '{name}' does not fit the checkpoint: {e.Message}", e);
            }
        }

        var opt = ReadBlob(r, path);
        if (optimizer is not null)
        {
            using var s = new MemoryStream(opt);
            using var br = new BinaryReader(s);
            optimizer.load_state_dict(br);
        }

        int extras = r.ReadInt32();
        var extraByName = plan.ExtraParameters.ToDictionary(p => p.Name, p => p.Parameter);
        for (int i = 0; i < extras; i++)
        {
            var name = r.ReadString();
            int dims = r.ReadInt32();
            var shape = new long[dims];
            for (int d = 0; d < dims; d++) shape[d] = r.ReadInt64();
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var values = new float[n];
            for (long k = 0; k < n; k++) values[k] = r.ReadSingle();
            if (extraByName.TryGetValue(name, out var p))
            {
                using var t = tensor(values).reshape(shape);
                using (no_grad()) p.copy_(t);
            }
        }

        return state;
    }

    private static BinaryReader Open(string path, out byte[] content)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "the file does not exist.");
        content = File.ReadAllBytes(path);
        if (content.Length < Magic.Length + 32 || !content.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException(path, "not a Graft checkpoint (wrong magic bytes).");
        var expected = content.AsSpan(content.Length - 32);
        var actual = SHA256.HashData(content.AsSpan(0, content.Length - 32));
        if (!expected.SequenceEqual(actual))
            throw new CheckpointException(path, "the file is corrupt: its SHA-256 does not match the one stored in it (truncated or modified after writing).");
        var r = new BinaryReader(new MemoryStream(content, 0, content.Length - 32), Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        return r;
    }

    private static CheckpointState ReadHeader(BinaryReader r, string path)
    {
        int length = r.ReadInt32();
        var json = r.ReadBytes(length);
        return JsonSerializer.Deserialize<CheckpointState>(json) ?? throw new CheckpointException(path, "the loop state is empty.");
    }

    private static void WriteBlob(BinaryWriter w, Action<Stream> write)
    {
        using var ms = new MemoryStream();
        write(ms);
        w.Write(ms.Length);
        w.Write(ms.GetBuffer(), 0, (int)ms.Length);
    }

    private static byte[] ReadBlob(BinaryReader r, string path)
    {
        long length = r.ReadInt64();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            throw new CheckpointException(path, $"a section claims {length} bytes but only {r.BaseStream.Length - r.BaseStream.Position} remain.");
        return r.ReadBytes((int)length);
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
