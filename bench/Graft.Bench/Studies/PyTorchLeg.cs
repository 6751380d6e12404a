using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Graft.Bench.Studies;

/// <summary>
/// The PyTorch side of a comparison: <c>bench/pytorch/train_epoch.py</c> run by Debian's system interpreter
/// (<c>/usr/bin/python3</c> with the package <c>python3-torch</c>) on the very tensors the TorchSharp side trains on,
/// written once to raw files. Absent PyTorch is not an error: <see cref="Find"/> says why and the study skips the leg.
/// </summary>
internal sealed class PyTorchLeg : IDisposable
{
    /// <summary>Debian's interpreter: PyTorch from <c>python3-torch</c> imports only under it.</summary>
    public const string Interpreter = "/usr/bin/python3";

    private readonly string _script;
    private readonly string _directory;
    private long _count;

    private PyTorchLeg(string script, string version)
    {
        _script = script;
        Version = version;
        _directory = Directory.CreateTempSubdirectory("graft-bench-pytorch-").FullName;
    }

    /// <summary>The PyTorch version the interpreter imports.</summary>
    public string Version { get; }

    /// <summary>The leg, or null with the reason in <paramref name="why"/> when PyTorch cannot run here.</summary>
    public static PyTorchLeg? Find(string repositoryRoot, out string why)
    {
        string script = Path.Combine(repositoryRoot, "bench", "pytorch", "train_epoch.py");
        if (!File.Exists(script))
        {
            why = $"{script} is missing";
            return null;
        }

        if (!File.Exists(Interpreter))
        {
            why = $"{Interpreter} is missing (install python3-torch)";
            return null;
        }

        var (exit, output, error) = Execute(Interpreter, ["-c", "import torch, numpy; print(torch.__version__)"], TimeSpan.FromMinutes(2));
        if (exit != 0)
        {
            why = $"PyTorch does not import under {Interpreter} (apt-get install python3-torch): {LastLine(error)}";
            return null;
        }

        why = "";
        return new PyTorchLeg(script, output.Trim());
    }

    /// <summary>Writes the training tensors for the script: float32 images [N, 1, 28, 28] and int64 labels [N].</summary>
    public void Prepare(Tensor images, Tensor labels)
    {
        _count = images.shape[0];
        using var f = images.to_type(ScalarType.Float32).contiguous();
        using var l = labels.to_type(ScalarType.Int64).contiguous();
        File.WriteAllBytes(Path.Combine(_directory, "images.f32"), f.bytes.ToArray());
        File.WriteAllBytes(Path.Combine(_directory, "labels.i64"), l.bytes.ToArray());
    }

    /// <summary>Runs one timed epoch in a new interpreter; returns its wall-clock and CPU seconds and mean training loss.</summary>
    public (double Seconds, double CpuSeconds, double Loss) RunEpoch(int batchSize, double learningRate, int threads, long seed)
    {
        string[] arguments =
        [
            _script,
            "--images", Path.Combine(_directory, "images.f32"), "--labels", Path.Combine(_directory, "labels.i64"),
            "--count", _count.ToString(CultureInfo.InvariantCulture), "--batch", batchSize.ToString(CultureInfo.InvariantCulture),
            "--lr", learningRate.ToString("R", CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--seed", seed.ToString(CultureInfo.InvariantCulture),
        ];
        var (exit, output, error) = Execute(Interpreter, arguments, TimeSpan.FromMinutes(30));
        if (exit != 0) throw new InvalidOperationException($"{_script} failed (exit {exit}): {LastLine(error)}");
        var run = JsonNode.Parse(output.Trim().Split('\n')[^1])?["runs"]?[0]
                  ?? throw new InvalidOperationException($"{_script} printed no run: {LastLine(output)}");
        return ((double)run["seconds"]!, (double)run["cpu_seconds"]!, (double)run["train_loss"]!);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    private static (int Exit, string Output, string Error) Execute(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // The same allocator settings Graft gives its own process (NativeRuntime.TuneAllocator), through glibc's
        // environment variables: the comparison is between frameworks, not between allocator settings.
        start.Environment["MALLOC_MMAP_THRESHOLD_"] = "33554432";
        start.Environment["MALLOC_TRIM_THRESHOLD_"] = "1073741824";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", arguments)} ran longer than {timeout}.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string LastLine(string text) => text.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "(no output)";
}
