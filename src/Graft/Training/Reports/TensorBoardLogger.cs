using Graft.Training.Callbacks;
using Graft.Training.Logging.TensorBoard;

namespace Graft.Training.Reports;

/// <summary>
/// Writes every epoch's metrics and the learning rate as TensorBoard scalars: one event file per split
/// (<c>tensorboard/train</c>, <c>tensorboard/validation</c>) so TensorBoard overlays the splits under one tag.
/// </summary>
public sealed class TensorBoardLogger : ITrainerCallback, IDisposable
{
    private readonly string _directory;
    private readonly Dictionary<string, TensorBoardWriter> _writers = new();

    /// <summary>Creates a logger writing under <paramref name="directory"/>.</summary>
    public TensorBoardLogger(string directory) => _directory = directory;

    /// <inheritdoc />
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        long step = record.Epoch + 1;
        foreach (var (key, value) in record.Metrics)
        {
            int dot = key.IndexOf('.');
            var split = dot < 0 ? "train" : key[..dot];
            var tag = dot < 0 ? key : key[(dot + 1)..];
            Writer(split).AddScalar(tag, value, step);
        }

        Writer("train").AddScalar("learning_rate", record.LearningRate, step);
        foreach (var w in _writers.Values) w.Flush();
    }

    /// <inheritdoc />
    public void OnTrainEnd(TrainingContext context) => Dispose();

    /// <summary>Closes the event files.</summary>
    public void Dispose()
    {
        foreach (var w in _writers.Values) w.Dispose();
        _writers.Clear();
    }

    private TensorBoardWriter Writer(string split)
    {
        if (!_writers.TryGetValue(split, out var w))
            _writers[split] = w = new TensorBoardWriter(Path.Combine(_directory, split));
        return w;
    }
}
