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
    /// <remarks>
    /// libtorch 2.10's CPU convolution backward now and then returns NaN input gradients for tiny feature maps (seen
    /// with 4 channels of 6x6; autograd's anomaly mode names ConvolutionBackward0; it varies from process to process).
    /// A run whose gradients turn non-finite is repeated from the same start, so tests see the training they meant.
    /// </remarks>
    public static T Train<T>(T model, Tensor x, Tensor y, int epochs = 60) where T : nn.Module<Tensor, Tensor>
    {
        var split = PretrainingPool.Split(x.shape[0]);
        using var index = tensor(split.Train, ScalarType.Int64);
        using var tx = x.index_select(0, index);
        using var ty = y.index_select(0, index);
        var start = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        for (int attempt = 0; ; attempt++)
        {
            if (TrainOnce(model, tx, ty, epochs) || attempt == 4) break;
            using (no_grad())
                foreach (var (name, tensor) in model.state_dict()) tensor.copy_(start[name]);
        }

        foreach (var t in start.Values) t.Dispose();
        model.eval();
        return model;
    }

    private static bool TrainOnce(nn.Module<Tensor, Tensor> model, Tensor tx, Tensor ty, int epochs)
    {
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        model.train();
        for (int e = 0; e < epochs; e++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(tx), ty).backward();
            if (model.parameters().Any(p => p.grad is { } g && !g.isfinite().all().item<bool>())) return false;
            optimizer.step();
        }

        return true;
    }

    public static Mlp NewMlp(int seed, int hidden = 16, int classes = 3, int inputs = 8)
    {
        manual_seed(seed);
        return new Mlp(inputs, classes, [hidden]);
    }

    public static Dictionary<string, float[]> State(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32).data<float>().ToArray());
}
