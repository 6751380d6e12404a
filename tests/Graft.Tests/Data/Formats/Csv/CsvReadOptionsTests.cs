using Graft.Data;
using Graft.Data.Formats.Csv;

namespace Graft.Tests.Data.Formats.Csv;

public class CsvReadOptionsTests
{
    [Fact]
    public void Defaults_are_comma_no_labels_all_features_and_the_name_features()
    {
        var options = new CsvReadOptions();

        Assert.Equal(',', options.Delimiter);
        Assert.Empty(options.Labels);
        Assert.Null(options.Features);
        Assert.Equal("features", options.FeatureName);
        Assert.Equal(1000, options.MaxCategories);
    }

    [Fact]
    public void Label_names_convert_to_labels_of_inferred_kind()
    {
        var options = new CsvReadOptions { Labels = ["a", new CsvLabel("b", LabelKind.Value)] };

        Assert.Equal(new CsvLabel("a"), options.Labels[0]);
        Assert.Null(options.Labels[0].Kind);
        Assert.Equal(LabelKind.Value, options.Labels[1].Kind);
    }

    [Fact]
    public void A_quote_delimiter_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CsvReadOptions { Delimiter = '"' });

        Assert.Contains("The delimiter cannot be a quote or a line break.", ex.Message);
    }

    [Fact]
    public void A_multi_label_column_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CsvReadOptions { Labels = [new CsvLabel("tags", LabelKind.MultiLabel)] });

        Assert.Contains("Label column 'tags' is declared MultiLabel", ex.Message);
    }

    [Fact]
    public void Repeated_labels_and_features_are_refused()
    {
        var labels = Assert.Throws<ArgumentException>(() => new CsvReadOptions { Labels = ["y", "y"] });
        var features = Assert.Throws<ArgumentException>(() => new CsvReadOptions { Features = ["a", "a"] });

        Assert.Contains("Label column 'y' is listed twice.", labels.Message);
        Assert.Contains("Feature column 'a' is listed twice.", features.Message);
    }
}
