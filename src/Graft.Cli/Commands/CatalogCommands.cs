using System.CommandLine;
using Graft.Runs.Catalog;
using Graft.Runs.RunFiles;
using Spectre.Console;

namespace Graft.Cli.Commands;

/// <summary><c>graft models</c> and <c>graft schema</c>.</summary>
internal static class CatalogCommands
{
    public static Command CreateModels(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var include = new Option<string?>("--include") { Description = "Glob filters, comma-separated (e.g. 'resnet*,mlp')." };
        var exclude = new Option<string?>("--exclude") { Description = "Glob filters to leave out." };
        var markdown = new Option<bool>("--markdown") { Description = "Print Markdown tables (as in the README)." };
        var command = new Command("models", "List the builders, losses and metrics run files can name, with their arguments.") { include, exclude, markdown };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            if (parse.GetValue(markdown))
            {
                output.Write(CatalogMarkdown.Generate(parse.GetValue(include), parse.GetValue(exclude)));
                return 0;
            }

            var table = new Table().AddColumns("kind", "name", "description", "args");
            foreach (var e in RunCatalog.List(parse.GetValue(include), parse.GetValue(exclude)))
                table.AddRow(e.Kind.ToString().ToLowerInvariant(), Markup.Escape(e.Name), Markup.Escape(e.Description),
                    Markup.Escape(string.Join(", ", e.Parameters.Select(p => p.Name + (p.Required ? "*" : "=" + p.DefaultText)))));
            console.Write(table);
            return 0;
        }));
        return command;
    }

    public static Command CreateSchema(TextWriter output, TextWriter error)
    {
        var file = new Option<string?>("--output") { Description = "Write the schema to this file instead of standard output." };
        var command = new Command("schema", "Print the JSON Schema of run files (for editor completion), with every registered builder, loss and metric.") { file };
        command.SetAction(parse => GraftCommand.Guard(error, () =>
        {
            var schema = RunFileSchema.Generate();
            if (parse.GetValue(file) is { } path) File.WriteAllText(path, schema + "\n");
            else output.WriteLine(schema);
            return 0;
        }));
        return command;
    }
}
