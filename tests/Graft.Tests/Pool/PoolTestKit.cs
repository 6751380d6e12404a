using Graft.Models.Builders;
using Graft.Pool;
using static TorchSharp.torch;

namespace Graft.Tests.Pool;

/// <summary>A pool in its own temporary folder (never the user's), deleted on dispose.</summary>
internal sealed class TemporaryPool : IDisposable
{
    public TemporaryPool()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "graft-pool-" + Guid.NewGuid().ToString("N"));
        Pool = new PretrainingPool(Directory);
    }

    public string Directory { get; }

    public PretrainingPool Pool { get; }

    public string[] Blobs => System.IO.Directory.EnumerateFiles(System.IO.Path.Combine(Directory, "blobs"), "*", SearchOption.AllDirectories).ToArray();

    public void Dispose()
    {
        Pool.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Small generated tasks and quickly trained models.</summary>
internal static class PoolTestKit
{
    /// <summary>Three well-separated Gaussian blobs in 8 dimensions (class = blob), 300 samples.</summary>
    public static (Tensor X, Tensor Y) Blobs(int seed = 1, int classes = 3, int n = 300)
    {
        var generator = new Generator((ulong)seed);
        var y = arange(n, ScalarType.Int64) % classes;
        var centres = randn(classes, 8, generator: generator) * 3;
        var x = centres.index_select(0, y) + randn(n, 8, generator: generator);
        return (x, y);
    }

    /// <summary>Trains <paramref name="model"/> with Adam on the training part of the pool's split, for a few epochs.</summary>
    public static T Train<T>(T model, Tensor x, Tensor y, int epochs = 60) where T : nn.Module<Tensor, Tensor>
    {
        var split = PretrainingPool.Split(x.shape[0]);
        using var index = tensor(split.Train, ScalarType.Int64);
        using var tx = x.index_select(0, index);
        using var ty = y.index_select(0, index);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        model.train();
        for (int e = 0; e < epochs; e++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(tx), ty).backward();
            optimizer.step();
        }

        model.eval();
        return model;
    }

    public static Mlp NewMlp(int seed, int hidden = 16, int classes = 3, int inputs = 8)
    {
        manual_seed(seed);
        return new Mlp(inputs, classes, [hidden]);
    }

    public static Dictionary<string, float[]> State(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32).data<float>().ToArray());
}
