using Graft.Models.Pretrained;
using Graft.Runs.Zoo;
using Graft.Weights;
using static TorchSharp.torch;

namespace Graft.Pool;

/// <summary>
/// Transfer by default, in one call: <c>Pretraining.GetPretrainedModel(model, x, y)</c> uses the default pool
/// (<c>$GRAFT_HOME/pool</c>, else <c>~/.graft/pool</c>), seeded on first use with Graft's built-in weights, as
/// dogwood's <c>get_pretrained_model</c> does with its saved models.
/// </summary>
/// <example><code>
/// var model = Pretraining.GetPretrainedModel(new SmallCnn(width: 48), x, y);   // starts from the best related model
/// Pretraining.AddModel(model, x, y, "my-cnn");                                  // ... and grows the pool
/// </code></example>
public static class Pretraining
{
    /// <summary>The tag of pool entries made from built-in weights.</summary>
    public const string BuiltInTag = "built-in";

    /// <summary>Opens the default pool, adding the built-in weights that are not in it yet (they are measured once, on their recorded data).</summary>
    public static PretrainingPool OpenDefaultPool()
    {
        var pool = new PretrainingPool(PretrainingPool.DefaultDirectory);
        try
        {
            SeedBuiltIns(pool);
            return pool;
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <summary>Initialises <paramref name="model"/> from the default pool; see <see cref="PretrainingPool.GetPretrainedModel{T}(T, Tensor, Tensor, PretrainOptions?)"/>.</summary>
    public static T GetPretrainedModel<T>(T model, Tensor x, Tensor y, PretrainOptions? options = null) where T : nn.Module<Tensor, Tensor>
    {
        using var pool = OpenDefaultPool();
        pool.GetPretrainedModel(model, x, y, options);
        LastReport = pool.LastReport;
        return model;
    }

    /// <summary>
    /// Initialises <paramref name="model"/>, which has no labels of its own, from the default pool by architecture and
    /// input similarity; see <see cref="PretrainingPool.GetPretrainedModel{T}(T, Tensor, out Transfer.TransferReport, PretrainOptions?)"/>.
    /// </summary>
    public static T GetPretrainedModel<T>(T model, Tensor x, PretrainOptions? options = null) where T : nn.Module<Tensor, Tensor>
    {
        using var pool = OpenDefaultPool();
        pool.GetPretrainedModel(model, x, out var report, options);
        LastReport = report;
        return model;
    }

    /// <summary>The report of the last <see cref="GetPretrainedModel{T}(T, Tensor, Tensor, PretrainOptions?)"/> call on this thread.</summary>
    [ThreadStatic]
    private static Transfer.TransferReport? _lastReport;

    /// <summary>The report of the last <c>GetPretrainedModel</c> call on this thread.</summary>
    public static Transfer.TransferReport? LastReport
    {
        get => _lastReport;
        private set => _lastReport = value;
    }

    /// <summary>Adds a trained model to the default pool; see <see cref="PretrainingPool.AddModel(nn.Module{Tensor, Tensor}, Tensor, Tensor, string, AddModelOptions?)"/>.</summary>
    public static PoolEntry AddModel(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, string name, AddModelOptions? options = null)
    {
        using var pool = OpenDefaultPool();
        return pool.AddModel(model, x, y, name, options);
    }

    /// <summary>
    /// Adds every built-in weights entry the pool lacks, under its own name (e.g. <c>SmallCnnWeights.FashionMnistV1</c>),
    /// measured on the data of its recorded metric (a subset when one is recorded, e.g. <c>fashion-mnist:test[:1000]</c>).
    /// Entries whose data cannot be found here are skipped.
    /// </summary>
    /// <returns>The entries added.</returns>
    public static IReadOnlyList<PoolEntry> SeedBuiltIns(PretrainingPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var added = new List<PoolEntry>();
        foreach (var entry in BuiltInWeights.Entries)
        {
            if (entry.Builder is null || pool.Store.Get(entry.Name, PoolReference.Latest) is not null) continue;
            var dataset = entry.Metadata.Metrics.Select(m => m.Dataset).OrderByDescending(d => d.Contains("[:", StringComparison.Ordinal)).FirstOrDefault();
            if (dataset is null) continue;
            Graft.Data.TensorDataset data;
            try
            {
                data = ZooEvaluation.Open(dataset);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or Graft.Data.Catalog.DatasetNotFoundException or Graft.Data.DataFormatException)
            {
                continue;
            }

            using (data)
            {
                var (built, _) = Models.Pretrained.Models.Create(entry.Builder, entry);
                using (built)
                using (var x = entry.Preprocessing.Apply(data.Feature(data.Schema.Features[0].Name)))
                    added.Add(pool.AddModel(built.AsTensorModule(), x, data.Label(data.Schema.Labels[0].Name).Values, entry.Name, new AddModelOptions
                    {
                        Builder = entry.Builder,
                        BuilderArgs = entry.BuilderArgs,
                        Recipe = entry.Metadata.Recipe,
                        Lineage = entry.Name,
                        Tags = [BuiltInTag, .. entry.Metadata.Tags.Where(t => t != BuiltInTag)],
                    }));
            }
        }

        return added;
    }
}
