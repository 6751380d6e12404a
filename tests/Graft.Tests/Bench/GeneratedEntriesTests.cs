using Graft.Bench.Pools;
using Graft.Bench.Studies;
using Graft.Models.Builders;
using Graft.Pool.Signatures;
using Graft.Pool.Storage;
using Graft.Tests.Pool;
using static Graft.Tests.Pool.PoolTestKit;
using static TorchSharp.torch;

namespace Graft.Tests.Bench;

public class GeneratedEntriesTests
{
    private static readonly EntryKind WiderMlp = new("blobs-mlp-wide", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 32L } }, [8], 3);
    private static readonly EntryKind DeepMlp = new("wine-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 16L, 8L } }, [13], 3);
    private static readonly EntryKind Cnn = new("tiny-cnn", "small_cnn", new Dictionary<string, object> { ["width"] = 4L, ["hidden"] = 8L }, [1, 8, 8], 2);
    private static readonly EntryKind Regression = new("housing-mlp", "mlp", new Dictionary<string, object> { ["hidden"] = new List<object> { 4L, 4L } }, [5], 1, Values: true);

    [Fact]
    public void Generated_entries_share_their_kinds_files_and_rank_below_the_trained_entries()
    {
        using var temp = new TemporaryPool();
        var (x, y) = Blobs();
        var trained = new[] { Train(NewMlp(1), x, y), Train(NewMlp(2, hidden: 24), x, y) };
        var core = trained.Select((m, i) => temp.Pool.AddModel(m, x, y, "blobs-mlp-" + i)).ToList();
        using var sample = x.narrow(0, 0, 2);
        var target = ArchitectureSignature.Trace(NewMlp(3), sample);
        var templates = new[] { WiderMlp, DeepMlp, Cnn, Regression }.Select((k, i) => GeneratedEntries.Prepare(k, target, [8], seed: i)).ToList();
        int filesBefore = temp.Blobs.Length;

        var fill = GeneratedEntries.Fill(temp.Pool.Store, templates, 60, core.Min(e => e.Score), seed: 5);

        // One-hidden-layer MLPs on 8 features are the target's family; the others differ in layers and input shape.
        Assert.Equal([true, false, false, false], templates.Select(t => t.MatchesTarget));
        Assert.Equal(60, fill.Added);
        Assert.InRange(fill.Matching, 1, 59);
        Assert.Equal(filesBefore + 2 * templates.Count, temp.Blobs.Length);
        Assert.Equal(core.Count + 60, temp.Pool.Store.List().Count);
        var query = new PoolQuery(ArchitectureHash: target.Hash, FamilyHash: target.FamilyHash, InputShape: "8", Limit: int.MaxValue);
        var matching = temp.Pool.Store.Find(query);
        Assert.Equal(core.Count + fill.Matching, matching.Count);
        Assert.Equal(core.Select(e => e.Reference).Order(), matching.Take(core.Count).Select(e => e.Reference).Order());
        Assert.All(matching.Skip(core.Count), e => Assert.True(e.Score < core.Min(c => c.Score), $"{e.Reference} scores {e.Score}"));
        Assert.Equal(3, temp.Pool.Store.List("blobs-mlp-wide-0000").Count);
        var generated = temp.Pool.Get("wine-mlp-0000@1");
        Assert.Equal(templates[1].Signature.Hash, generated.Architecture.Hash);
        Assert.NotNull(temp.Pool.Store.BlobPath(generated.WeightsSha256));
        Assert.NotNull(temp.Pool.Store.BlobPath(generated.DatasetSha256));
    }

    [Fact]
    public void A_generated_entry_loads_as_weights_of_its_own_architecture()
    {
        using var temp = new TemporaryPool();
        using var sample = zeros(2, 8);
        var target = ArchitectureSignature.Trace(NewMlp(3), sample);
        var template = GeneratedEntries.Prepare(DeepMlp, target, [8], seed: 1);

        GeneratedEntries.Fill(temp.Pool.Store, [template], 1, 0.5, seed: 1);

        var entry = temp.Pool.Get("wine-mlp-0000");
        manual_seed(9);
        var model = new Mlp(13, 3, [16, 8]);
        Graft.Weights.Loading.WeightsLoader.Load(model, temp.Pool.WeightsOf(entry));
        Assert.Equal(entry.Architecture.Hash, ArchitectureSignature.Trace(model, zeros(2, 13)).Hash);
    }

    [Fact]
    public void A_kind_with_exactly_the_targets_architecture_is_refused()
    {
        using var sample = zeros(2, 8);
        var target = ArchitectureSignature.Trace(NewMlp(3, hidden: 32), sample);

        var e = Assert.Throws<ArgumentException>(() => GeneratedEntries.Prepare(WiderMlp, target, [8]));
        Assert.Contains("exactly the target's architecture", e.Message);
    }

    [Fact]
    public void The_studys_generated_kinds_never_have_the_targets_architecture_and_some_match_its_query()
    {
        using var sample = zeros(2, 1, 28, 28);
        manual_seed(0);
        var target = ArchitectureSignature.Trace(new SmallCnn(), sample);

        var templates = PoolScaleStudy.Kinds.Select((k, i) => GeneratedEntries.Prepare(k, target, [1, 28, 28], samples: 4, seed: i)).ToList();

        Assert.Contains(templates, t => t.MatchesTarget);
        Assert.Contains(templates, t => !t.MatchesTarget);
        Assert.Equal(templates.Count, templates.Select(t => t.Kind.Stem).Distinct().Count());
    }
}
