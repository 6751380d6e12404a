using System.Globalization;
using System.IO.Compression;
using System.Text;
using Graft.Data;
using Graft.Data.Formats.Csv;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Data.Formats.Csv;

public sealed class CsvReaderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "graft-csv-" + Guid.NewGuid().ToString("N"));

    public CsvReaderTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Write(string text, string name = "data.csv")
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static float[] Row(Tensor matrix, long row) => matrix[row].data<float>().ToArray();

    [Fact]
    public void Reads_numeric_features_and_a_text_class_label()
    {
        var path = Write("a,b,species\n1,2.5,setosa\n3,-4e1,virginica\n5,6,setosa\n");

        using var data = CsvReader.Read(path, new CsvReadOptions { Labels = ["species"] });

        var x = data.Feature("features");
        Assert.Equal(new long[] { 3, 2 }, x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
        Assert.Equal(new[] { 3f, -40f }, Row(x, 1));
        Assert.Equal(new[] { "a", "b" }, data.Schema.Feature("features").ColumnNames);
        var label = data.Schema.Label("species");
        Assert.Equal(LabelKind.Class, label.Kind);
        Assert.Equal(new[] { "setosa", "virginica" }, label.Classes);
        Assert.Equal(new long[] { 0, 1, 0 }, data.Label("species").Values.data<long>().ToArray());
    }

    [Fact]
    public void Text_features_are_one_hot_encoded_into_sorted_named_columns()
    {
        var path = Write("size,colour,y\n1,red,0\n2,blue,1\n3,green,0\n4,red,1\n");

        using var result = CsvReader.ReadWithReport(path, new CsvReadOptions { Labels = ["y"] });

        Assert.Equal(new[] { "size", "colour=blue", "colour=green", "colour=red" }, result.FeatureColumns);
        Assert.Equal(result.FeatureColumns, result.Dataset.Schema.Feature("features").ColumnNames);
        var x = result.Dataset.Feature("features");
        Assert.Equal(new[] { 1f, 0f, 0f, 1f }, Row(x, 0));
        Assert.Equal(new[] { 2f, 1f, 0f, 0f }, Row(x, 1));
        Assert.Equal(new[] { "blue", "green", "red" }, result.Report.Column("colour").Categories);
        Assert.Equal(CsvColumnType.Text, result.Report.Column("colour").Type);
    }

    [Fact]
    public void Quoted_fields_may_hold_delimiters_doubled_quotes_and_line_breaks()
    {
        var path = Write("name,n\n\"Smith, John\",1\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\n");

        using var result = CsvReader.ReadWithReport(path, new CsvReadOptions { Labels = ["n"] });

        Assert.Equal(new[] { "Smith, John", "say \"hi\"", "two\nlines" }, result.Report.Column("name").Categories);
        Assert.Equal(3, result.Dataset.Count);
    }

    [Fact]
    public void Line_numbers_after_a_quoted_line_break_count_physical_lines()
    {
        var path = Write("a,b\n\"x\ny\",1\n2\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Equal($"{path} (line 4): expected 2 fields as in the header, found 1", ex.Message);
    }

    [Fact]
    public void Wrong_field_count_names_the_line_and_both_counts()
    {
        var path = Write("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Equal($"{path} (line 7): expected 5 fields as in the header, found 4", ex.Message);
        Assert.Equal("line 7", ex.Location);
    }

    [Fact]
    public void Unterminated_quote_at_the_end_of_the_file_names_where_it_opened()
    {
        var path = Write("a,b\n1,2\n3,\"open\n4,5\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Equal($"{path} (line 3, column \"b\"): the quoted field opened on line 3 is never closed; expected a closing quote before the end of the file", ex.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        var path = Write("a,b\n\"x\"y,1\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Contains("(line 2, column \"a\"): unexpected character 'y' after the closing quote", ex.Message);
    }

    [Fact]
    public void Empty_file_is_an_error()
    {
        var path = Write("");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Equal($"{path} (line 1): the file is empty; expected a header row naming the columns", ex.Message);
    }

    [Fact]
    public void Header_without_rows_is_an_error()
    {
        var path = Write("a,b\n\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Equal($"{path} (line 2): the file has a header row but no data rows", ex.Message);
    }

    [Fact]
    public void Duplicate_header_names_are_an_error()
    {
        var path = Write("age,name,age\n1,x,2\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));

        Assert.Equal($"{path} (line 1, column \"age\"): column 3 repeats the name 'age' of column 1; header names must be unique", ex.Message);
    }

    [Fact]
    public void A_label_not_in_the_header_lists_the_header_names()
    {
        var path = Write("a,b,c\n1,2,3\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, new CsvReadOptions { Labels = ["target"] }));

        Assert.Equal($"{path} (line 1): label column 'target' is not in the header; the header's columns are: a, b, c", ex.Message);
    }

    [Fact]
    public void A_feature_not_in_the_header_lists_the_header_names()
    {
        var path = Write("a,b,c\n1,2,3\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, new CsvReadOptions { Features = ["a", "z"] }));

        Assert.Equal($"{path} (line 1): feature column 'z' is not in the header; the header's columns are: a, b, c", ex.Message);
    }

    [Fact]
    public void A_declared_class_label_with_fractions_names_the_line_and_column()
    {
        var path = Write("x,y\n1,0\n2,1\n3,2.5\n");

        var ex = Assert.Throws<DataFormatException>(() =>
            CsvReader.Read(path, new CsvReadOptions { Labels = [new CsvLabel("y", LabelKind.Class)] }));

        Assert.Equal($"{path} (line 4, column \"y\"): label column 'y' is declared Class but holds the non-integer number 2.5; class labels must be whole numbers or text", ex.Message);
    }

    [Fact]
    public void A_declared_value_label_holding_text_is_an_error()
    {
        var path = Write("x,y\n1,0.5\n2,high\n");

        var ex = Assert.Throws<DataFormatException>(() =>
            CsvReader.Read(path, new CsvReadOptions { Labels = [new CsvLabel("y", LabelKind.Value)] }));

        Assert.Equal($"{path} (line 3, column \"y\"): label column 'y' is declared Value but holds the text 'high'; value labels must be numbers", ex.Message);
    }

    [Fact]
    public void Missing_numeric_features_are_filled_with_the_column_mean_and_counted()
    {
        var path = Write("a,b,y\n1,,0\nNA,4,1\n3,nan,0\n5,8,1\n");

        using var result = CsvReader.ReadWithReport(path, new CsvReadOptions { Labels = ["y"] });

        var x = result.Dataset.Feature("features");
        Assert.Equal(new[] { 1f, 6f }, Row(x, 0));
        Assert.Equal(new[] { 3f, 4f }, Row(x, 1));
        Assert.Equal(new[] { 3f, 6f }, Row(x, 2));
        Assert.Equal(1, result.Report.Column("a").MissingCount);
        Assert.Equal(2, result.Report.Column("b").MissingCount);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 2, ["y"] = 0 }, result.Report.MissingCounts);
        Assert.Equal(3, result.Report.TotalMissing);
    }

    [Fact]
    public void Missing_integer_class_labels_get_a_false_mask_and_keep_their_dtype()
    {
        var path = Write("x,y\n1,2\n2,\n3,0\n4,NA\n5,1\n");

        using var data = CsvReader.Read(path, new CsvReadOptions { Labels = ["y"] });

        var label = data.Label("y");
        Assert.Equal(LabelKind.Class, data.Schema.Label("y").Kind);
        Assert.Equal(ScalarType.Int64, label.Values.dtype);
        Assert.Equal(new long[] { 2, 0, 0, 0, 1 }, label.Values.data<long>().ToArray());
        Assert.Equal(new[] { true, false, true, false, true }, label.Mask.data<bool>().ToArray());
        Assert.Equal(2, label.MissingCount);
    }

    [Fact]
    public void Missing_text_class_labels_are_masked_and_not_a_class()
    {
        var path = Write("x,y\n1,cat\n2,\n3,dog\n");

        using var data = CsvReader.Read(path, new CsvReadOptions { Labels = ["y"] });

        Assert.Equal(new[] { "cat", "dog" }, data.Schema.Label("y").Classes);
        Assert.Equal(new[] { true, false, true }, data.Label("y").Mask.data<bool>().ToArray());
    }

    [Fact]
    public void Missing_text_features_get_an_all_zero_one_hot_row()
    {
        var path = Write("c,y\nb,1\n,0\na,1\n");

        using var data = CsvReader.Read(path, new CsvReadOptions { Labels = ["y"] });

        Assert.Equal(new[] { 0f, 0f }, Row(data.Feature("features"), 1));
        Assert.Equal(new[] { 0f, 1f }, Row(data.Feature("features"), 0));
    }

    [Fact]
    public void Number_labels_follow_the_declared_or_inferred_kind()
    {
        var path = Write("x,cls,price,age\n1,0,1.5,30\n2,1,2.25,41\n3,2,9,52\n");

        using var data = CsvReader.Read(path, new CsvReadOptions
        {
            Labels = ["cls", "price", new CsvLabel("age", LabelKind.Value)],
        });

        Assert.Equal(LabelKind.Class, data.Schema.Label("cls").Kind);
        Assert.Equal(new[] { "0", "1", "2" }, data.Schema.Label("cls").Classes);
        Assert.Equal(LabelKind.Value, data.Schema.Label("price").Kind);
        Assert.Equal(new[] { 1.5f, 2.25f, 9f }, data.Label("price").Values.data<float>().ToArray());
        Assert.Equal(LabelKind.Value, data.Schema.Label("age").Kind);
        Assert.Equal(ScalarType.Float32, data.Label("age").Values.dtype);
        Assert.Equal(new[] { "cls", "price", "age" }, data.Schema.Labels.Select(l => l.Name));
    }

    [Fact]
    public void Explicit_features_choose_and_order_the_columns_and_the_rest_is_unused()
    {
        var path = Write("id,a,b,y\n7,1,2,0\n8,3,4,1\n");

        using var result = CsvReader.ReadWithReport(path, new CsvReadOptions { Labels = ["y"], Features = ["b", "a"], FeatureName = "x" });

        Assert.Equal(new[] { "b", "a" }, result.Dataset.Schema.Feature("x").ColumnNames);
        Assert.Equal(new[] { 4f, 3f }, Row(result.Dataset.Feature("x"), 1));
        Assert.Equal(CsvColumnRole.Unused, result.Report.Column("id").Role);
        Assert.Equal(CsvColumnRole.Label, result.Report.Column("y").Role);
        Assert.Equal(CsvColumnRole.Feature, result.Report.Column("a").Role);
    }

    [Fact]
    public void Inspect_reports_rows_types_and_missing_counts_per_column()
    {
        var path = Write("a,b,c,d\n1,x,,\n2,y,NA,\n,x,3,\n");

        var report = CsvReader.Inspect(path);

        Assert.Equal(3, report.RowCount);
        Assert.Equal(new[] { CsvColumnType.Numeric, CsvColumnType.Text, CsvColumnType.Numeric, CsvColumnType.Empty }, report.Columns.Select(c => c.Type));
        Assert.Equal(new long[] { 1, 0, 2, 3 }, report.Columns.Select(c => c.MissingCount));
        Assert.Equal(new[] { "x", "y" }, report.Column("b").Categories);
    }

    [Fact]
    public void Custom_delimiters_crlf_line_ends_and_a_byte_order_mark_are_handled()
    {
        string path = Path.Combine(_root, "semi.csv");
        File.WriteAllText(path, "a;b;y\r\n\"1;5\";2;p\r\n3;4;q\r\n", new UTF8Encoding(true));

        using var data = CsvReader.Read(path, new CsvReadOptions { Delimiter = ';', Labels = ["y"] });

        Assert.Equal(new[] { "a=1;5", "a=3", "b" }, data.Schema.Feature("features").ColumnNames);
        Assert.Equal(new[] { "p", "q" }, data.Schema.Label("y").Classes);
    }

    [Fact]
    public void Gzip_compressed_files_are_read_transparently()
    {
        string path = Path.Combine(_root, "data.csv.gz");
        using (var file = File.Create(path))
        using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes("a,y\n1,0\n2,1\n"));

        using var data = CsvReader.Read(path, new CsvReadOptions { Labels = ["y"] });

        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Numbers_use_the_invariant_culture_whatever_the_current_culture()
    {
        var path = Write("a,b\n\"1,5\",2.5\n");
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

            using var result = CsvReader.ReadWithReport(path);

            Assert.Equal(CsvColumnType.Text, result.Report.Column("a").Type);
            Assert.Equal(2.5f, Row(result.Dataset.Feature("features"), 0)[1]);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void A_text_feature_with_too_many_values_points_at_the_first_text()
    {
        var path = Write("id,y\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"u{i},1\n")));

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, new CsvReadOptions { Labels = ["y"], MaxCategories = 3 }));

        Assert.Contains("(line 2, column \"id\"): feature column 'id' holds text (first 'u0') with more than 3 distinct values", ex.Message);
    }

    [Fact]
    public void Every_column_a_label_leaves_no_features_and_is_an_error()
    {
        var path = Write("y\n1\n");

        var ex = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, new CsvReadOptions { Labels = ["y"] }));

        Assert.Equal($"{path} (line 1): every column is a label (y); no feature columns remain", ex.Message);
    }

    [Fact]
    public void Empty_header_names_get_positional_names()
    {
        var path = Write(",a\n0,1\n1,2\n");

        var report = CsvReader.Inspect(path);

        Assert.Equal(new[] { "column1", "a" }, report.Columns.Select(c => c.Name));
    }

    [Fact]
    public void A_long_single_line_without_breaks_finishes()
    {
        var path = Write("a\n" + new string('x', 300_000));

        var report = CsvReader.Inspect(path);

        Assert.Equal(1, report.RowCount);
    }
}
