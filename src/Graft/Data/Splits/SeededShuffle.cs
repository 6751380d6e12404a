namespace Graft.Data.Splits;

/// <summary>
/// Reproducible permutations from a 64-bit seed (SplitMix64 feeding a Fisher–Yates shuffle), independent of the .NET
/// runtime's <see cref="Random"/> implementation so that saved seeds mean the same thing on every machine.
/// </summary>
internal static class SeededShuffle
{
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>Combines several values into one well-mixed seed.</summary>
    public static ulong Combine(params long[] parts)
    {
        ulong h = 0x2545F4914F6CDD1DUL;
        foreach (var p in parts) h = Mix(h ^ (ulong)p);
        return h;
    }

    public static long[] Permutation(long count, ulong seed)
    {
        var result = new long[count];
        for (long i = 0; i < count; i++) result[i] = i;
        Shuffle(result, seed);
        return result;
    }

    public static void Shuffle(long[] values, ulong seed)
    {
        ulong state = seed;
        for (long i = values.LongLength - 1; i > 0; i--)
        {
            state = Mix(state);
            long j = (long)(state % (ulong)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
