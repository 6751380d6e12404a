using System.Globalization;

namespace Graft.Bench.Measuring;

/// <summary>The process's resident memory, from <c>/proc/self/status</c>, in bytes.</summary>
/// <param name="Resident">The resident set size now (<c>VmRSS</c>).</param>
/// <param name="Peak">The resident set's high-water mark (<c>VmHWM</c>) since the process started or the last <see cref="ProcessMemory.ResetPeak"/>.</param>
internal readonly record struct MemoryReading(long Resident, long Peak);

/// <summary>
/// Reads this process's resident memory on Linux and resets its high-water mark: writing <c>5</c> to
/// <c>/proc/self/clear_refs</c> sets <c>VmHWM</c> back to the current <c>VmRSS</c> (Linux 4.0 and later), which turns
/// the process-wide peak into a peak per interval.
/// </summary>
internal static class ProcessMemory
{
    private const string StatusFile = "/proc/self/status";
    private const string ClearRefsFile = "/proc/self/clear_refs";

    /// <summary>The current reading.</summary>
    /// <exception cref="PlatformNotSupportedException">There is no readable <c>/proc/self/status</c> with <c>VmRSS</c> and <c>VmHWM</c> (not Linux).</exception>
    public static MemoryReading Read()
    {
        string text;
        try
        {
            text = File.ReadAllText(StatusFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlatformNotSupportedException($"{StatusFile} cannot be read ({e.Message}): resident memory is measured on Linux only.", e);
        }

        return Parse(text);
    }

    /// <summary>Reads <c>VmRSS</c> and <c>VmHWM</c> from the text of a <c>/proc/&lt;pid&gt;/status</c> file.</summary>
    /// <exception cref="PlatformNotSupportedException">A field is missing or unreadable.</exception>
    public static MemoryReading Parse(string status)
    {
        long? rss = null, hwm = null;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line);
        }

        if (rss is null || hwm is null)
            throw new PlatformNotSupportedException($"{StatusFile} has no {(rss is null ? "VmRSS" : "VmHWM")} line: resident memory is measured on Linux only.");
        return new MemoryReading(rss.Value * 1024, hwm.Value * 1024);
    }

    /// <summary>Resets the high-water mark to the current resident size; returns false when the kernel refuses.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText(ClearRefsFile, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether <see cref="ResetPeak"/> works here: touches <paramref name="probeBytes"/> of native memory, frees it (the
    /// high-water mark stays up), resets, and checks that the mark came down by most of it. Null when it works, else why not.
    /// </summary>
    public static string? ProbePeakReset(long probeBytes = 64L << 20)
    {
        try
        {
            Touch(probeBytes);
            var before = Read();
            if (before.Peak - before.Resident < probeBytes / 2)
                return $"touching {probeBytes >> 20} MB did not raise VmHWM above VmRSS (VmHWM {before.Peak >> 20} MB, VmRSS {before.Resident >> 20} MB)";
            if (!ResetPeak()) return $"{ClearRefsFile} cannot be written";
            var after = Read();
            return before.Peak - after.Peak >= probeBytes / 2
                ? null
                : $"writing 5 to {ClearRefsFile} did not lower VmHWM (from {before.Peak >> 20} MB to {after.Peak >> 20} MB)";
        }
        catch (PlatformNotSupportedException e)
        {
            return e.Message;
        }
    }

    /// <summary>Allocates <paramref name="bytes"/> of native memory, writes to every page so it becomes resident, and frees it.</summary>
    private static void Touch(long bytes)
    {
        var memory = System.Runtime.InteropServices.Marshal.AllocHGlobal((nint)bytes);
        try
        {
            for (long offset = 0; offset < bytes; offset += 4096)
                System.Runtime.InteropServices.Marshal.WriteByte(memory, (int)offset, 1);
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(memory);
        }
    }

    private static long Kilobytes(string line)
    {
        // "VmRSS:	  123456 kB"
        var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw new PlatformNotSupportedException($"cannot read the line '{line.Trim()}' of {StatusFile}.");
        return parts.Length >= 3 && parts[2] != "kB"
            ? throw new PlatformNotSupportedException($"the line '{line.Trim()}' of {StatusFile} is not in kB.")
            : value;
    }
}

/// <summary>
/// Samples <c>VmRSS</c> on a background thread every <see cref="Interval"/> and keeps the highest value since the last
/// <see cref="TakePeak"/>: the fallback (and cross-check) for a per-interval peak where the high-water mark cannot be reset.
/// A short spike between two samples is missed.
/// </summary>
internal sealed class ResidentSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private long _peak;
    private long _samples;

    /// <summary>Starts sampling every <paramref name="interval"/>.</summary>
    public ResidentSampler(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval must be positive.");
        Interval = interval;
        _peak = ProcessMemory.Read().Resident;
        _thread = new Thread(Loop) { IsBackground = true, Name = "resident-sampler" };
        _thread.Start();
    }

    /// <summary>Time between two samples.</summary>
    public TimeSpan Interval { get; }

    /// <summary>How many samples were taken.</summary>
    public long Samples => Interlocked.Read(ref _samples);

    /// <summary>The highest resident size sampled since the last call (the current size included), and starts a new interval.</summary>
    public long TakePeak()
    {
        long now = ProcessMemory.Read().Resident;
        long peak = Interlocked.Exchange(ref _peak, now);
        return Math.Max(peak, now);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }

    private void Loop()
    {
        while (!_stop.Token.WaitHandle.WaitOne(Interval))
        {
            long now = ProcessMemory.Read().Resident;
            Interlocked.Increment(ref _samples);
            long seen;
            do
            {
                seen = Interlocked.Read(ref _peak);
                if (now <= seen) break;
            }
            while (Interlocked.CompareExchange(ref _peak, now, seen) != seen);
        }
    }
}
