using System.Text.Json;
using Graft.Training.Callbacks;

namespace Graft.Training.Reports;

/// <summary>
/// Keeps <c>metrics.json</c> (every epoch's metrics, learning rate and time) and <c>curves.png</c> (one panel per
/// metric, a line per split) up to date in the run directory after every epoch. Both are written atomically.
/// </summary>
public sealed class MetricsReport : ITrainerCallback
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _directory;
    private readonly bool _curves;

    /// <summary>Creates the report for <paramref name="runDirectory"/>.</summary>
    public MetricsReport(string runDirectory, bool curves = true)
    {
        _directory = runDirectory;
        _curves = curves;
    }

    /// <inheritdoc />
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        Directory.CreateDirectory(_directory);
        var doc = new
        {
            epochs = context.History.Select(r => new
            {
                epoch = r.Epoch + 1,
                learning_rate = r.LearningRate,
                seconds = Math.Round(r.Seconds, 3),
                metrics = r.Metrics.ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? (double?)kv.Value : null),
            }),
        };
        WriteAtomically(Path.Combine(_directory, "metrics.json"), path => File.WriteAllText(path, JsonSerializer.Serialize(doc, Json)));
        // Drawing takes a moment: redraw at most every CurveInterval during training, and always at the end.
        if (_curves && _sinceDrawn.Elapsed >= CurveInterval) DrawCurves(context);
    }

    /// <inheritdoc />
    public void OnTrainEnd(TrainingContext context)
    {
        if (_curves && context.History.Count > 0) DrawCurves(context);
    }

    /// <summary>The least time between two redraws of <c>curves.png</c> during training.</summary>
    public static TimeSpan CurveInterval { get; } = TimeSpan.FromSeconds(20);

    private readonly System.Diagnostics.Stopwatch _sinceDrawn = System.Diagnostics.Stopwatch.StartNew();

    private void DrawCurves(TrainingContext context)
    {
        WriteAtomically(Path.Combine(_directory, "curves.png"), path => TrainingCurves.Save(context.History, path));
        _sinceDrawn.Restart();
    }

    private static void WriteAtomically(string path, Action<string> write)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId + Path.GetExtension(path);
        write(tmp);
        File.Move(tmp, path, overwrite: true);
    }
}
