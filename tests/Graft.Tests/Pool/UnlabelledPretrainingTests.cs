using Graft.Models.Builders;
using Graft.Pool;
using Graft.Pool.Transfer;
using static TorchSharp.torch;

namespace Graft.Tests.Pool;

public class UnlabelledPretrainingTests
{
    [Fact]
    public void A_model_without_labels_takes_the_layers_of_the_entry_that_fills_most_of_it_from_the_most_alike_inputs()
    {
        using var temp = new TemporaryPool();
        var (x, y) = PoolTestKit.Blobs();
        var trained = PoolTestKit.Train(PoolTestKit.NewMlp(1), x, y, epochs: 10);
        temp.Pool.AddModel(trained, x, y, "blobs");
        // The same layers trained on inputs of another scale: less alike to x.
        var scaled = x * 10;
        temp.Pool.AddModel(PoolTestKit.Train(PoolTestKit.NewMlp(2), scaled, y, epochs: 10), scaled, y, "blobs-scaled");

        // An encoder: the same first layer, another output size, no labels.
        var encoder = new Mlp(8, 5, [16]);
        temp.Pool.GetPretrainedModel(encoder, x, out var report);

        Assert.Equal("pool:blobs@1", report.Chosen);
        Assert.Equal(["pool:blobs-scaled@1", "pool:blobs@1"], report.Consulted.Select(c => c.Reference).Order(StringComparer.Ordinal));
        var first = PoolTestKit.State(trained).First(kv => kv.Key.EndsWith("weight", StringComparison.Ordinal));
        Assert.Equal(first.Value, PoolTestKit.State(encoder)[first.Key]);
        var chosen = report.Candidates.Single(c => c.Reference == report.Chosen);
        Assert.InRange(chosen.Score, 0.5, 1.0);   // 8x16+16 of 8x16+16+16x5+5 parameters, times a similarity near 1
        Assert.Contains("of the parameters transferred", chosen.Note);
    }

    [Fact]
    public void A_model_without_labels_keeps_its_fresh_weights_when_the_pool_has_nothing_alike()
    {
        using var temp = new TemporaryPool();
        var (x, y) = PoolTestKit.Blobs();
        temp.Pool.AddModel(PoolTestKit.Train(PoolTestKit.NewMlp(1), x, y, epochs: 5), x, y, "blobs");
        var other = new Mlp(12, 5, [16, 16]);   // other input size, other layer count
        var before = PoolTestKit.State(other);
        using var inputs = randn(40, 12);

        temp.Pool.GetPretrainedModel(other, inputs, out var report);

        Assert.Equal(TransferReport.Fresh, report.Chosen);
        Assert.Equal(before, PoolTestKit.State(other));
        Assert.Contains("no pool entry shares", report.Summary);
    }
}
