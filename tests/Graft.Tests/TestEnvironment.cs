using System.Runtime.CompilerServices;

// Tests run one at a time: libtorch's state is process-wide (every Trainer.Fit sets the intra-op thread count: 1 in the
// trainer test kit, 2 in the example run files), and with test classes in parallel a convolution's backward pass came
// back NaN or all zeros, or a first training step's loss NaN, in three of four full runs on 2026-12-07.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Graft.Tests;

/// <summary>Every test run uses a temporary GRAFT_HOME (its default pool and caches), never the user's.</summary>
internal static class TestEnvironment
{
    [ModuleInitializer]
    internal static void UseTemporaryGraftHome()
    {
        var home = Path.Combine(Path.GetTempPath(), "graft-tests-home-" + Environment.ProcessId);
        Directory.CreateDirectory(home);
        Environment.SetEnvironmentVariable("GRAFT_HOME", home);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
            }
        };
    }
}
