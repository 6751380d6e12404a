using Graft.Cli;

namespace Graft.Tests.Cli;

public class PoolCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Graft.Tests.Cli.Cli.Run(args);

    [Fact]
    public void A_trained_run_goes_into_the_pool_and_is_listed_aliased_shown_removed_and_collected()
    {
        var dir = Directory.CreateTempSubdirectory("graft-pool-cli-").FullName;
        try
        {
            GraftCommandTests.TwoClassCsv(dir);
            var runDir = Path.Combine(dir, "runs", "two-run");
            var pool = Path.Combine(dir, "pool");
            var runFile = TrainPretrainingTests.RunFile(dir, "two-run", pool, "pretrain: none", add: false, epochs: 10);
            var (trainCode, _, trainErr) = Run("train", runFile, "--plain");
            Assert.True(trainCode == 0, trainErr);

            var (code, output, error) = Run("pool", "add", runDir, "--pool", pool);
            Assert.True(code == 0, error);
            Assert.Contains("added pool:two-run-net@1", output);
            Assert.Contains("task 4|class|2", output);
            Assert.Equal(0, Run("pool", "add", runDir, "--pool", pool, "--name", "two-run-net").Code);

            Assert.Equal(0, Run("pool", "alias", "two-run-net", "champion", "1", "--pool", pool).Code);
            (code, output, _) = Run("pool", "list", "--pool", pool);
            Assert.Equal(0, code);
            Assert.Contains("two-run-net@1", output);
            Assert.Contains("champion", output);
            Assert.Contains("two-run-net@2", output);

            (code, output, _) = Run("pool", "show", "two-run-net@champion", "--pool", pool);
            Assert.Equal(0, code);
            Assert.Contains("entry:        pool:two-run-net@1", output);
            Assert.Contains("builder:      mlp", output);
            Assert.Contains("Linear [8, 4]", output);

            (code, _, error) = Run("pool", "show", "two-run-nett", "--pool", pool);
            Assert.Equal(1, code);
            Assert.Contains("Did you mean 'two-run-net'?", error);

            (code, output, error) = Run("pool", "rank", "--model", runFile, "--pool", pool);
            Assert.True(code == 0, error);
            Assert.Contains("LogME", output);
            Assert.Contains("fresh initialisation", output);
            Assert.Contains("pool:two-run-net@2", output);
            Assert.Contains("same architecture, same task", output);

            Assert.Equal(0, Run("pool", "rm", "two-run-net", "--pool", pool).Code);
            (code, output, _) = Run("pool", "gc", "--pool", pool);
            Assert.Equal(0, code);
            Assert.Contains("deleted 2 file(s)", output);
            Assert.DoesNotContain("two-run-net", Run("pool", "list", "--pool", pool).Out);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_pool_that_does_not_exist_is_one_line_naming_the_folder()
    {
        var missing = Path.Combine(Path.GetTempPath(), "graft-no-pool-" + Guid.NewGuid().ToString("N"));
        var (code, _, error) = Run("pool", "list", "--pool", missing);
        Assert.Equal(1, code);
        Assert.Equal($"error: there is no pool at {missing}: add a model first (graft pool add), or pass --pool.", error.Trim());
    }
}
