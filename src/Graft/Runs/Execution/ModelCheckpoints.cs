using Graft.Training;
using Graft.Training.Callbacks;
using Graft.Training.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Runs.Execution;

/// <summary>
/// Writes <c>checkpoints/&lt;model&gt;.ckpt</c> for each trained model whenever its own monitored metric improves, so a
/// later run can start a single model (an encoder, a feature extractor) from it.
/// </summary>
internal sealed class ModelCheckpoints : ITrainerCallback
{
    private readonly List<(string Model, nn.Module Module, string Monitor, bool HigherIsBetter)> _models;
    private readonly Dictionary<string, double> _best = new();
    private readonly string _directory;

    public ModelCheckpoints(string directory, IEnumerable<(string Model, nn.Module Module, string Monitor, bool HigherIsBetter)> models)
    {
        _directory = directory;
        _models = models.ToList();
    }

    public void OnTrainBegin(TrainingContext context)
    {
        // After a resume, the best values so far come from the history, so an earlier better checkpoint is not overwritten.
        foreach (var (model, _, monitor, higher) in _models)
            foreach (var r in context.History)
                if (r.Metrics.TryGetValue(monitor, out var v) && !double.IsNaN(v) && (!_best.TryGetValue(model, out var b) || (higher ? v > b : v < b)))
                    _best[model] = v;
    }

    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        foreach (var (model, module, monitor, higher) in _models)
        {
            if (!record.Metrics.TryGetValue(monitor, out var value) || double.IsNaN(value)) continue;
            bool improved = !_best.TryGetValue(model, out var best) || (higher ? value > best : value < best);
            if (!improved) continue;
            _best[model] = value;
            ModelWeightsFile.Save(Path.Combine(_directory, model + ".ckpt"), module);
        }
    }
}
