using Graft.Training.Callbacks;
using ScottPlot;

namespace Graft.Training.Reports;

/// <summary>Draws training curves with ScottPlot: one panel per metric, one line per split, epochs on the x axis.</summary>
public static class TrainingCurves
{
    /// <summary>Saves a PNG of <paramref name="history"/> to <paramref name="path"/>.</summary>
    public static void Save(IReadOnlyList<EpochRecord> history, string path, int panelWidth = 420, int panelHeight = 300)
    {
        var names = history.SelectMany(r => r.Metrics.Keys).Select(k => k.Contains('.') ? k[(k.IndexOf('.') + 1)..] : k)
            .Distinct().OrderBy(n => n == "loss" ? "" : n, StringComparer.Ordinal).ToList();
        if (names.Count == 0) names.Add("loss");
        int columns = Math.Min(3, names.Count);
        int rows = (names.Count + columns - 1) / columns;
        var multi = new ScottPlot.Multiplot();
        multi.AddPlots(names.Count);
        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        for (int i = 0; i < names.Count; i++)
        {
            var plot = multi.GetPlot(i);
            plot.Title(names[i]);
            plot.XLabel("epoch");
            foreach (var split in new[] { "train", "validation", "test" })
            {
                var points = history.Where(r => r.Metrics.TryGetValue(split + "." + names[i], out var v) && double.IsFinite(v))
                    .Select(r => (X: (double)(r.Epoch + 1), Y: r.Metrics[split + "." + names[i]])).ToArray();
                if (points.Length == 0) continue;
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                line.LegendText = split;
            }

            plot.ShowLegend();
        }

        multi.SavePng(path, panelWidth * columns, panelHeight * rows);
    }
}
