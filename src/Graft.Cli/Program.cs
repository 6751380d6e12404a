using Graft;
using Graft.Cli;

// Before any tensor: glibc keeps tensors' memory for reuse instead of mapping it afresh for every batch.
NativeRuntime.TuneAllocator();
return GraftCommand.Run(args, Console.Out, Console.Error);
