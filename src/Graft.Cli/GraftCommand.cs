using System.CommandLine;
using Graft.Cli.Commands;
using Graft.Data;
using Graft.Data.Catalog;
using Graft.Models.Catalog;
using Graft.Runs.RunFiles;
using Graft.Training;
using Graft.Training.Checkpoints;
using Spectre.Console;

namespace Graft.Cli;

/// <summary>The <c>graft</c> command line: a thin shell that parses arguments, calls the library and prints.</summary>
public static class GraftCommand
{
    /// <summary>Runs the command line with <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ReferenceEquals(output, Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 160;
        var root = new RootCommand("Graft: train from run files, inspect data, version and verify weights, and keep a pretraining pool.");
        root.Subcommands.Add(DataCommands.Create(console, error));
        root.Subcommands.Add(TrainCommands.CreateTrain(console, output, error));
        root.Subcommands.Add(TrainCommands.CreateEval(console, error));
        root.Subcommands.Add(TrainCommands.CreateValidate(console, error));
        root.Subcommands.Add(TrainCommands.CreatePredict(console, error));
        root.Subcommands.Add(FlowCommands.CreateTune(console, error));
        root.Subcommands.Add(FlowCommands.CreateExplain(console, error));
        root.Subcommands.Add(CatalogCommands.CreateModels(console, output, error));
        root.Subcommands.Add(CatalogCommands.CreateSchema(output, error));
        root.Subcommands.Add(WeightsCommands.CreateWeights(console, output, error));
        root.Subcommands.Add(WeightsCommands.CreateZoo(output, error));
        root.Subcommands.Add(PoolCommands.Create(console, output, error));
        var plugins = new Option<string[]>("--plugin") { Description = "An assembly (.dll) whose [ModelBuilder] and [Loss] entries and [WeightsCatalog] catalogs run files may name (repeatable).", Recursive = true };
        root.Options.Add(plugins);
        var parse = root.Parse(args);
        foreach (var plugin in parse.GetValue(plugins) ?? Array.Empty<string>())
        {
            int code = Guard(error, () =>
            {
                if (!File.Exists(plugin)) throw new FileNotFoundException($"--plugin {plugin}: the file does not exist.");
                try
                {
                    var assembly = System.Reflection.Assembly.LoadFrom(Path.GetFullPath(plugin));
                    ModelCatalog.RegisterAssembly(assembly);
                    Graft.Weights.WeightsRegistry.RegisterAssembly(assembly);
                }
                catch (BadImageFormatException e)
                {
                    throw new ArgumentException($"--plugin {plugin}: not a .NET assembly ({e.Message}).");
                }

                return 0;
            });
            if (code != 0) return code;
        }

        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>Runs <paramref name="action"/>, turning user mistakes into a message on stderr and exit code 1 (never a stack trace).</summary>
    internal static int Guard(TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is DataFormatException or Graft.Flows.Composition.FlowDefinitionException or InvalidDataException or RunFileException or CheckpointException or DatasetNotFoundException
                                       or NonFiniteLossException or ModelArgumentException or FileNotFoundException or DirectoryNotFoundException
                                       or Graft.Weights.WeightsException or Graft.Pool.PoolException or ArgumentException or KeyNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + e.Message);
            return 1;
        }
    }
}
