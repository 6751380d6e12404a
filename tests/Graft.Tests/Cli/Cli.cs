using Graft.Cli;

namespace Graft.Tests.Cli;

/// <summary>Runs the graft command in-process, as a user would from a shell, capturing its exit code and both streams.</summary>
internal static class Cli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = GraftCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
