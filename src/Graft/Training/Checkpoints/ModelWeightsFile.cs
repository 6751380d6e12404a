using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Training.Checkpoints;

/// <summary>
/// The weights and buffers of one module, in TorchSharp's format: what a run writes as
/// <c>checkpoints/&lt;model&gt;.ckpt</c> when that model's monitored metric improves, so that a later run can start
/// one model (e.g. an encoder) from it with <c>weights:</c>. Written to a temp file and renamed, with its SHA-256 in
/// <c>&lt;file&gt;.sha256</c> beside it (<c>sha256sum</c>'s format), which loads through the weights resolver check.
/// </summary>
public static class ModelWeightsFile
{
    /// <summary>Saves <paramref name="module"/>'s parameters and buffers to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, nn.Module module)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            module.save(writer);
            writer.Flush();
            stream.Flush(true);
        }

        string digest;
        using (var stream = File.OpenRead(tmp)) digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        File.Move(tmp, full, overwrite: true);
        var sidecar = full + ".sha256";
        File.WriteAllText(sidecar + ".tmp-" + Environment.ProcessId, $"{digest}  {Path.GetFileName(full)}\n");
        File.Move(sidecar + ".tmp-" + Environment.ProcessId, sidecar, overwrite: true);
    }

    /// <summary>Loads weights saved by <see cref="Save"/> into <paramref name="module"/>; names and shapes must match.</summary>
    /// <exception cref="CheckpointException">The file does not fit the module.</exception>
    public static void Load(string path, nn.Module module)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            module.load(reader, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException or System.Runtime.InteropServices.ExternalException)
        {
            throw new CheckpointException(path, $"does not fit module {module.GetName()}: {e.Message.Split('\n')[0]}", e);
        }
    }
}
