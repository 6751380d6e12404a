Console.WriteLine(Graft.NativeRuntime.Check());
