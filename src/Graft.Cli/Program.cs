using Graft.Cli;

return GraftCommand.Run(args, Console.Out, Console.Error);
