using System.Text.Json.Nodes;

namespace Graft.Tests.Cli;

[Collection(Graft.Tests.Runs.Execution.RunCollection.Name)]
public class TrainPretrainingTests
{
    /// <summary>A run file training a small MLP on two.csv in <paramref name="dir"/>, using the pool in <paramref name="pool"/>.</summary>
    internal static string RunFile(string dir, string name, string pool, string extra = "", bool add = true, int epochs = 4) => Write(dir, name, $$"""
        data:
          source: two.csv
          labels:
            label: class
        split: {validation: 0.2, test: 0.2, seed: 1}
        training:
          epochs: {{epochs}}
          batch_size: 16
          optimizer: {name: adam, lr: 0.05}
        logging:
          run_dir: {{Path.Combine(dir, "runs", name)}}
          tensorboard: false
          curves: false
        pool:
          budget: 60
          add: {{(add ? "true" : "false")}}
          dir: {{pool}}
        {{extra}}
        models:
          - name: net
            builder: mlp
            args: {hidden: [8]}
            inputs: [features]
        """);

    private static string Write(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name + ".yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_model_without_a_label_of_its_own_starts_from_the_pool_by_architecture_and_its_record_says_so()
    {
        var dir = Directory.CreateTempSubdirectory("graft-train-pool-").FullName;
        try
        {
            GraftCommandTests.TwoClassCsv(dir);
            var pool = Path.Combine(dir, "pool");
            var (code, output, error) = Cli.Run("train", RunFile(dir, "first", pool), "--plain");
            Assert.True(code == 0, error + output);

            // A classifier and a reconstruction model, whose loss compares its output with the features: it has no label.
            var path = RunFile(dir, "second", pool, add: false);
            var text = File.ReadAllText(path).Replace("""
                    inputs: [features]
                """.TrimEnd(), """
                    inputs: [features]
                    losses:
                      - {name: cross_entropy, inputs: [output, label]}
                  - name: recon
                    builder: mlp
                    args: {hidden: [8]}
                    inputs: [features]
                    losses:
                      - {name: mse, weight: 0.5, inputs: [output, features]}
                """.TrimEnd(), StringComparison.Ordinal);
            File.WriteAllText(path, text);
            (code, output, error) = Cli.Run("train", path, "--plain");
            Assert.True(code == 0, error + output);
            Assert.Contains("pretraining recon: initialised from pool:first-net@1 by architecture and input similarity", output);
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "second", "pretraining.json")))!;
            Assert.Equal("pool:first-net@1", record["recon"]!["chosen"]!.GetValue<string>());
            Assert.Equal("transferred x input similarity", record["recon"]!["metric"]!.GetValue<string>());
            Assert.Equal("pool:first-net@1", record["net"]!["chosen"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_run_starts_from_the_pool_adds_its_model_records_what_it_consulted_and_can_be_reproduced()
    {
        var dir = Directory.CreateTempSubdirectory("graft-train-pool-").FullName;
        try
        {
            GraftCommandTests.TwoClassCsv(dir);
            var pool = Path.Combine(dir, "pool");

            // The first run finds nothing to start from, and adds its model.
            var (code, output, error) = Cli.Run("train", RunFile(dir, "first", pool), "--plain");
            Assert.True(code == 0, error + output);
            Assert.Contains("pretraining net: no pool entry shares", output);
            Assert.Contains("added net to the pool as pool:first-net@1", output);

            // The second run of the same architecture and task starts from the first.
            (code, output, error) = Cli.Run("train", RunFile(dir, "second", pool), "--plain");
            Assert.True(code == 0, error + output);
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "second", "pretraining.json")))!["net"]!;
            Assert.Equal("pool:first-net@1", record["consulted"]![0]!["reference"]!.GetValue<string>());
            Assert.Equal(64, record["consulted"]![0]!["weights_sha256"]!.GetValue<string>().Length);

            // The pool has grown since (the second run added itself); a reproduction consults exactly what the second did.
            (code, output, error) = Cli.Run("train", "--reproduce", Path.Combine(dir, "runs", "second"), "--plain");
            Assert.True(code == 0, error + output);
            var reproduced = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "second-reproduced", "pretraining.json")))!["net"]!;
            Assert.Equal(record["consulted"]!.ToJsonString(), reproduced["consulted"]!.ToJsonString());
            Assert.Equal(record["chosen"]!.GetValue<string>(), reproduced["chosen"]!.GetValue<string>());

            // pretrain: none trains from scratch and consults nothing; pool: {add: false} keeps the pool as it is.
            int entries = Graft.Tests.Cli.Cli.Run("pool", "list", "--pool", pool).Out.Split('\n').Count(l => l.Contains("-net@", StringComparison.Ordinal));
            var scratch = RunFile(dir, "scratch", pool, "pretrain: none", add: false);
            (code, output, error) = Cli.Run("train", scratch, "--plain");
            Assert.True(code == 0, error + output);
            Assert.DoesNotContain("pretraining net", output);
            Assert.False(File.Exists(Path.Combine(dir, "runs", "scratch", "pretraining.json")));
            Assert.Equal(entries, Graft.Tests.Cli.Cli.Run("pool", "list", "--pool", pool).Out.Split('\n').Count(l => l.Contains("-net@", StringComparison.Ordinal)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_misspelt_pretrain_value_names_the_line_and_the_choices()
    {
        var dir = Directory.CreateTempSubdirectory("graft-train-pool-").FullName;
        try
        {
            GraftCommandTests.TwoClassCsv(dir);
            var (code, _, error) = Cli.Run("validate", RunFile(dir, "bad", Path.Combine(dir, "pool"), "pretrain: pol"));
            Assert.Equal(1, code);
            Assert.Contains("pretrain", error);
            Assert.Contains("pool", error);
            Assert.Contains("none", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
