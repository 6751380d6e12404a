using System.Buffers.Binary;
using System.Text.Json;
using Graft.Training;
using Graft.Training.Callbacks;
using Graft.Training.Logging.TensorBoard;
using Graft.Training.Reports;

namespace Graft.Tests.Training.Reports;

public class MetricsReportTests
{
    private static EpochRecord Record(int epoch, double trainLoss, double validationLoss, double accuracy) =>
        new(epoch, new Dictionary<string, double>
        {
            ["train.loss"] = trainLoss,
            ["validation.loss"] = validationLoss,
            ["validation.accuracy"] = accuracy,
        }, 0.01 / (epoch + 1), 1.23456);

    private static (int Width, int Height) PngSize(byte[] png) =>
        (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

    private static readonly byte[] PngMagic = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    [Fact]
    public void Every_epoch_rewrites_metrics_json_with_all_epochs_so_far_and_NaN_as_null()
    {
        using var folder = new RunFolder();
        var report = new MetricsReport(folder.Path, curves: false);
        var context = new TrainingContext(3, 10, 0, folder.Path);
        context.History.Add(Record(0, 0.9, 0.8, double.NaN));
        report.OnEpochEnd(context, context.History[^1]);
        context.History.Add(Record(1, 0.5, 0.6, 0.75));
        report.OnEpochEnd(context, context.History[^1]);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "metrics.json")));
        var epochs = doc.RootElement.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(2, epochs.Count);
        Assert.Equal(1, epochs[0].GetProperty("epoch").GetInt32());
        Assert.Equal(2, epochs[1].GetProperty("epoch").GetInt32());
        Assert.Equal(JsonValueKind.Null, epochs[0].GetProperty("metrics").GetProperty("validation.accuracy").ValueKind);
        Assert.Equal(0.75, epochs[1].GetProperty("metrics").GetProperty("validation.accuracy").GetDouble());
        Assert.Equal(0.5, epochs[1].GetProperty("metrics").GetProperty("train.loss").GetDouble());
        Assert.Equal(0.005, epochs[1].GetProperty("learning_rate").GetDouble(), 12);
        Assert.Equal(1.235, epochs[1].GetProperty("seconds").GetDouble());
        Assert.False(File.Exists(Path.Combine(folder.Path, "curves.png")));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp-*"));
    }

    [Fact]
    public void Curves_are_a_png_with_one_panel_per_metric_in_rows_of_three()
    {
        using var folder = new RunFolder();
        var report = new MetricsReport(folder.Path);
        var context = new TrainingContext(2, 10, 0, folder.Path);
        for (int e = 0; e < 2; e++)
        {
            var metrics = new Dictionary<string, double>
            {
                ["train.loss"] = 1.0 / (e + 1), ["validation.loss"] = 1.1 / (e + 1),
                ["train.loss.class"] = 0.4, ["train.accuracy"] = 0.5 + e * 0.1, ["validation.mae"] = double.NaN,
            };
            context.History.Add(new EpochRecord(e, metrics, 0.01, 0.5));
            report.OnEpochEnd(context, context.History[^1]);
        }

        // Curves are redrawn at most every MetricsReport.CurveInterval during training, and always at its end.
        report.OnTrainEnd(context);
        var png = File.ReadAllBytes(Path.Combine(folder.Path, "curves.png"));
        Assert.Equal(PngMagic, png[..8]);
        // Four panels (loss, accuracy, loss.class, mae): three columns, two rows of 420 x 300.
        Assert.Equal((3 * 420, 2 * 300), PngSize(png));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp-*"));
    }

    [Fact]
    public void Training_curves_of_a_single_metric_fill_one_panel()
    {
        using var folder = new RunFolder();
        var path = Path.Combine(folder.Path, "one.png");
        TrainingCurves.Save(new[] { new EpochRecord(0, new Dictionary<string, double> { ["train.loss"] = 1 }, 0.1, 1) }, path, panelWidth: 200, panelHeight: 100);
        var png = File.ReadAllBytes(path);
        Assert.Equal(PngMagic, png[..8]);
        Assert.Equal((200, 100), PngSize(png));
    }

    [Fact]
    public void The_tensorboard_logger_writes_one_event_file_per_split_with_the_learning_rate_on_train()
    {
        using var folder = new RunFolder();
        var logger = new TensorBoardLogger(Path.Combine(folder.Path, "tb"));
        var context = new TrainingContext(2, 10, 0, folder.Path);
        logger.OnEpochEnd(context, Record(0, 0.9, 0.8, 0.5));
        logger.OnEpochEnd(context, Record(1, 0.5, 0.6, 0.75));
        logger.OnTrainEnd(context);

        var train = TensorBoardEventReader.ReadScalars(TensorBoardEventReader.FindEventFiles(Path.Combine(folder.Path, "tb", "train")).Single());
        Assert.Equal(new[] { ("learning_rate", 1L), ("learning_rate", 2L), ("loss", 1L), ("loss", 2L) }, train.Select(s => (s.Tag, s.Step)).Order());
        Assert.Equal(0.5f, (float)train.Single(s => s.Tag == "loss" && s.Step == 2).Value);
        Assert.Equal(0.005f, (float)train.Single(s => s.Tag == "learning_rate" && s.Step == 2).Value);

        var validation = TensorBoardEventReader.ReadScalars(TensorBoardEventReader.FindEventFiles(Path.Combine(folder.Path, "tb", "validation")).Single());
        Assert.Equal(new[] { ("accuracy", 1L), ("accuracy", 2L), ("loss", 1L), ("loss", 2L) }, validation.Select(s => (s.Tag, s.Step)).Order());
        Assert.Equal(0.75f, (float)validation.Single(s => s.Tag == "accuracy" && s.Step == 2).Value);
    }

    [Fact]
    public void Plain_progress_prints_one_line_per_epoch_with_sorted_metrics_and_the_learning_rate()
    {
        var lines = new StringWriter();
        var progress = new ConsoleProgress(ProgressMode.Auto, lines);
        var context = new TrainingContext(3, 10, 0, null);
        progress.OnTrainBegin(context);
        for (int step = 0; step < 10; step++) progress.OnBatchEnd(context, step, 0.5);
        progress.OnEpochEnd(context, Record(0, 0.9, 0.8, double.NaN));
        progress.OnTrainEnd(context);

        var text = lines.ToString().TrimEnd();
        Assert.DoesNotContain('\n', text);
        Assert.StartsWith("epoch 1/3  train.loss 0.9000  validation.accuracy n/a  validation.loss 0.8000  lr 0.01  ", text);
    }
}
