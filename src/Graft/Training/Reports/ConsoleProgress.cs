using System.Globalization;
using Graft.Training.Callbacks;
using Spectre.Console;

namespace Graft.Training.Reports;

/// <summary>
/// Shows training progress: on an interactive terminal a live Spectre.Console bar per epoch with ETA and the running
/// loss; otherwise (CI, redirected output) one plain line per epoch with every metric.
/// </summary>
public sealed class ConsoleProgress : ITrainerCallback
{
    private readonly bool _live;
    private readonly TextWriter _lines;
    private TaskCompletionSource? _done;
    private Task? _display;
    private ProgressTask? _task;
    private readonly object _gate = new();
    private double _runningLoss = double.NaN;

    /// <summary>Creates the progress display; <paramref name="lines"/> receives plain lines (standard output by default).</summary>
    public ConsoleProgress(ProgressMode mode = ProgressMode.Auto, TextWriter? lines = null)
    {
        _lines = lines ?? Console.Out;
        _live = mode == ProgressMode.Auto && lines is null && !Console.IsOutputRedirected &&
                AnsiConsole.Profile.Capabilities.Interactive && Environment.GetEnvironmentVariable("CI") is null;
    }

    /// <inheritdoc />
    public void OnTrainBegin(TrainingContext context)
    {
        if (!_live) return;
        var ready = new TaskCompletionSource();
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _display = AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                lock (_gate)
                {
                    _progressContext = ctx;
                    _task = ctx.AddTask(Describe(context.Epoch, context), maxValue: context.BatchesPerEpoch);
                }

                ready.SetResult();
                await _done.Task.ConfigureAwait(false);
                ctx.Refresh();
            });
        ready.Task.Wait(TimeSpan.FromSeconds(5));
    }

    /// <inheritdoc />
    public void OnBatchEnd(TrainingContext context, int step, double loss)
    {
        _runningLoss = double.IsNaN(_runningLoss) ? loss : 0.98 * _runningLoss + 0.02 * loss;
        lock (_gate)
        {
            if (_task is null) return;
            _task.Value = step + 1;
            if (step % 10 == 0) _task.Description = Describe(context.Epoch, context) + $" loss {_runningLoss:0.0000}";
        }
    }

    /// <inheritdoc />
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        var summary = string.Join("  ", record.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {Format(kv.Value)}"));
        var line = $"epoch {record.Epoch + 1}/{context.Epochs}  {summary}  lr {record.LearningRate.ToString("0.######", CultureInfo.InvariantCulture)}  {record.Seconds:0.0}s";
        if (!_live)
        {
            _lines.WriteLine(line);
            _lines.Flush();
            return;
        }

        lock (_gate)
        {
            if (_task is null) return;
            _task.Value = _task.MaxValue;
            _task.Description = $"epoch {record.Epoch + 1}/{context.Epochs} " + Markup.Escape(summary);
            _task.StopTask();
            _runningLoss = double.NaN;
            _task = record.Epoch + 1 < context.Epochs
                ? _progressContext?.AddTask(Describe(record.Epoch + 1, context), maxValue: context.BatchesPerEpoch)
                : null;
        }
    }

    /// <inheritdoc />
    public void OnTrainEnd(TrainingContext context)
    {
        if (_done is null) return;
        _done.TrySetResult();
        _display?.Wait(TimeSpan.FromSeconds(5));
        _done = null;
    }

    private ProgressContext? _progressContext;

    private static string Describe(int epoch, TrainingContext context) => $"epoch {epoch + 1}/{context.Epochs}";

    private static string Format(double v) => double.IsNaN(v) ? "n/a" : v.ToString(Math.Abs(v) >= 100 ? "0.0" : "0.0000", CultureInfo.InvariantCulture);
}
