using Graft.Data;
using Graft.Data.Batching;
using Graft.Data.Splits;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Training.Shortcuts;

/// <summary>
/// Keras-style shortcuts for users coming from the Python seeds: <c>model.Fit(x, y)</c>, <c>model.Evaluate(x, y)</c>,
/// <c>model.Predict(x)</c> on any <c>nn.Module&lt;Tensor, Tensor&gt;</c>. The loss follows from the label kind
/// (class: cross-entropy, value: MSE, multi-label: binary cross-entropy) unless given.
/// </summary>
/// <example>
/// <code>
/// var history = model.Fit(x, y, epochs: 10);
/// var scores = model.Evaluate(xTest, yTest);      // { "loss": ..., "accuracy": ... }
/// var logits = model.Predict(xTest);
/// </code>
/// </example>
public static class ModuleShortcuts
{
    /// <summary>
    /// Trains the module on <paramref name="x"/>, <paramref name="y"/>. The label kind is inferred from <paramref name="y"/>
    /// unless <paramref name="kind"/> is given; <paramref name="validationSplit"/> holds out a seeded fraction for validation;
    /// <paramref name="callbacks"/> see every epoch (and may stop training early).
    /// </summary>
    /// <returns>The training result with every epoch's metrics.</returns>
    public static TrainingResult Fit(this nn.Module<Tensor, Tensor> module, Tensor x, Tensor y, int epochs = 10, int batchSize = 32,
        LabelKind? kind = null, double validationSplit = 0, LossFunction? loss = null, TrainerOptions? options = null, long seed = 0,
        IEnumerable<Graft.Training.Callbacks.ITrainerCallback>? callbacks = null)
    {
        using var data = new TensorDataset().WithFeature("x", x.alias()).WithLabel("y", y.alias(), kind);
        var trainerOptions = (options ?? new TrainerOptions(Progress: ProgressMode.None)) with { Epochs = epochs, Seed = seed };
        if (validationSplit <= 0 && trainerOptions.Monitor.StartsWith("validation.", StringComparison.Ordinal))
            trainerOptions = trainerOptions with { Monitor = "train.loss" };
        var split = DatasetSplit.Create(data.Count, new SplitOptions(Validation: validationSplit, Test: 0, DevSize: 0, Seed: seed));
        var plan = SupervisedPlan.Create(module, "x", data.Schema.Label("y"), loss);
        var train = new BatchLoader(data, new BatchLoaderOptions(batchSize, Shuffle: true, Seed: seed, Prefetch: 0), split.Train);
        var validation = split.Validation.Count > 0 ? new BatchLoader(data, new BatchLoaderOptions(batchSize, Shuffle: false, Prefetch: 0), split.Validation) : null;
        return new Trainer(trainerOptions, callbacks).Fit(plan, train, validation);
    }

    /// <summary>The loss and the default metrics of the label kind on <paramref name="x"/>, <paramref name="y"/>.</summary>
    public static IReadOnlyDictionary<string, double> Evaluate(this nn.Module<Tensor, Tensor> module, Tensor x, Tensor y, int batchSize = 256, LabelKind? kind = null)
    {
        using var data = new TensorDataset().WithFeature("x", x.alias()).WithLabel("y", y.alias(), kind);
        var plan = SupervisedPlan.Create(module, "x", data.Schema.Label("y"));
        return Trainer.Evaluate(plan, new BatchLoader(data, new BatchLoaderOptions(batchSize, Shuffle: false, Prefetch: 0)));
    }

    /// <summary>
    /// The module's outputs for <paramref name="x"/>, computed in evaluation mode without gradients, in batches. The
    /// module's training mode is restored afterwards.
    /// </summary>
    public static Tensor Predict(this nn.Module<Tensor, Tensor> module, Tensor x, int batchSize = 256)
    {
        if (batchSize < 1) throw new ArgumentException($"The batch size must be at least 1; it is {batchSize}.", nameof(batchSize));
        bool wasTraining = module.training;
        module.eval();
        try
        {
            using var _ = no_grad();
            if (x.shape[0] <= batchSize) return module.call(x);
            var parts = new List<Tensor>();
            try
            {
                for (long start = 0; start < x.shape[0]; start += batchSize)
                {
                    using var slice = x.narrow(0, start, Math.Min(batchSize, x.shape[0] - start));
                    parts.Add(module.call(slice));
                }

                return cat(parts, 0);
            }
            finally
            {
                foreach (var p in parts) p.Dispose();
            }
        }
        finally
        {
            module.train(wasTraining);
        }
    }
}
