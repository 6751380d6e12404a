using System.Runtime.CompilerServices;

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
