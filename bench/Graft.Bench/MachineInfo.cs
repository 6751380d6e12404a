using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Graft.Bench;

/// <summary>Where a result was measured.</summary>
/// <param name="Cpu">The CPU model (from <c>/proc/cpuinfo</c>).</param>
/// <param name="Cores">Logical processors available to the process.</param>
/// <param name="Os">The operating system.</param>
/// <param name="DotNet">The .NET runtime.</param>
/// <param name="TorchSharp">The TorchSharp package version.</param>
/// <param name="LibTorch">The libtorch package version.</param>
/// <param name="Threads">Intra-op threads the study used.</param>
/// <param name="Configuration">The build configuration of the bench (Release for real figures).</param>
/// <param name="LoadAverageBefore">The 1/5/15-minute load averages when the study started.</param>
/// <param name="LoadAverageAfter">The load averages when it ended.</param>
internal sealed record MachineInfo(
    string Cpu,
    int Cores,
    string Os,
    [property: JsonPropertyName("dotnet")] string DotNet,
    [property: JsonPropertyName("torchsharp")] string TorchSharp,
    [property: JsonPropertyName("libtorch")] string LibTorch,
    int Threads,
    string Configuration,
    string? LoadAverageBefore,
    string? LoadAverageAfter)
{
    public static readonly string BuildConfiguration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>Describes this machine; <paramref name="loadBefore"/> is the load average read when the study began.</summary>
    public static MachineInfo Collect(int threads, string? loadBefore) => new(
        CpuModel(),
        Environment.ProcessorCount,
        OsName(),
        RuntimeInformation.FrameworkDescription,
        PackageVersion("TorchSharp") ?? InformationalVersion(typeof(TorchSharp.torch).Assembly),
        PackageVersion("libtorch-cpu-linux-x64") ?? PackageVersion("libtorch-cpu") ?? "unknown",
        threads,
        BuildConfiguration,
        loadBefore,
        LoadAverage());

    /// <summary>The 1/5/15-minute load averages from <c>/proc/loadavg</c>, or null off Linux.</summary>
    public static string? LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 3 ? string.Join(" ", parts.Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == "model name") return line[(colon + 1)..].Trim();
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string OsName()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                    return $"{line["PRETTY_NAME=".Length..].Trim('"')}, kernel {KernelRelease() ?? "?"}";
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.OSDescription;
    }

    private static string? KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The version of NuGet package <paramref name="id"/> as resolved in this application's deps.json.</summary>
    private static string? PackageVersion(string id)
    {
        var deps = Path.Combine(AppContext.BaseDirectory, Assembly.GetEntryAssembly()?.GetName().Name + ".deps.json");
        if (!File.Exists(deps)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(deps));
            if (!doc.RootElement.TryGetProperty("libraries", out var libraries)) return null;
            foreach (var library in libraries.EnumerateObject())
            {
                int slash = library.Name.IndexOf('/');
                if (slash > 0 && string.Equals(library.Name[..slash], id, StringComparison.OrdinalIgnoreCase)) return library.Name[(slash + 1)..];
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
