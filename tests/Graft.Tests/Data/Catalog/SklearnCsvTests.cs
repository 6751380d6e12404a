using Graft.Data;
using Graft.Data.Catalog;
using TorchSharp;

namespace Graft.Tests.Data.Catalog;

public sealed class SklearnCsvTests : IDisposable
{
    private const string Iris = SklearnCsv.DefaultDirectory + "/iris.csv";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "graft-sklearn-" + Guid.NewGuid().ToString("N"));

    public SklearnCsvTests() => Directory.CreateDirectory(_root);

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

    private string Write(string name, string text)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    [RequiresFileFact(Iris, "python3-sklearn")]
    public void Iris_has_150_samples_4_named_features_and_3_balanced_classes()
    {
        using var data = SklearnCsv.LoadIris();

        var x = data.Feature("features");
        Assert.Equal(new long[] { 150, 4 }, x.shape);
        Assert.Equal(new[] { 5.1f, 3.5f, 1.4f, 0.2f }, x[0].data<float>().ToArray());
        Assert.Equal(new[] { "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm" }, data.Schema.Feature("features").ColumnNames);
        var label = data.Schema.Label("target");
        Assert.Equal(LabelKind.Class, label.Kind);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, label.Classes);
        Assert.Equal(new long[] { 50, 50, 50 }, data.Label("target").Values.bincount(null).data<long>().ToArray());
    }

    [RequiresFileFact(SklearnCsv.DefaultDirectory + "/wine_data.csv", "python3-sklearn")]
    public void Wine_and_breast_cancer_load_with_their_shapes_and_class_names()
    {
        using var wine = SklearnCsv.LoadWine();
        using var cancer = SklearnCsv.LoadBreastCancer();

        Assert.Equal(new long[] { 178, 13 }, wine.Feature("features").shape);
        Assert.Equal(new[] { "class_0", "class_1", "class_2" }, wine.Schema.Label("target").Classes);
        Assert.Equal("proline", wine.Schema.Feature("features").ColumnNames![12]);
        Assert.Equal(new long[] { 569, 30 }, cancer.Feature("features").shape);
        Assert.Equal(new[] { "malignant", "benign" }, cancer.Schema.Label("target").Classes);
        Assert.Equal("worst_fractal_dimension", cancer.Schema.Feature("features").ColumnNames![29]);
        Assert.Equal(new long[] { 212, 357 }, cancer.Label("target").Values.bincount(null).data<long>().ToArray());
    }

    [Fact]
    public void Unknown_files_get_positional_feature_names()
    {
        var path = Write("mine.csv", "2,3,no,yes\n1,2,3,1\n4,5,6,0\n");

        using var data = SklearnCsv.Load(path);

        Assert.Equal(new[] { "feature_0", "feature_1", "feature_2" }, data.Schema.Feature("features").ColumnNames);
        Assert.Equal(new[] { "no", "yes" }, data.Schema.Label("target").Classes);
        Assert.Equal(new long[] { 1, 0 }, data.Label("target").Values.data<long>().ToArray());
    }

    [Fact]
    public void A_second_line_of_names_is_used_and_a_target_without_classes_is_inferred()
    {
        var path = Write("regression.csv", "2,2,,\n\"A\",\"B\",\"PRICE\"\n1,2,24.5\n3,4,21.6\n");

        using var data = SklearnCsv.Load(path);

        Assert.Equal(new[] { "A", "B" }, data.Schema.Feature("features").ColumnNames);
        Assert.Equal(LabelKind.Value, data.Schema.Label("target").Kind);
        Assert.Equal(new[] { 24.5f, 21.6f }, data.Label("target").Values.data<float>().ToArray());
    }

    [Fact]
    public void A_file_with_an_ordinary_header_is_not_taken_for_the_sklearn_layout()
    {
        var path = Write("plain.csv", "a,b,y\n1,2,0\n");

        var ex = Assert.Throws<DataFormatException>(() => SklearnCsv.Load(path));

        Assert.Equal($"{path} (line 1): expected scikit-learn's first line 'n_samples,n_features[,class names...]', found 'a,b,y'", ex.Message);
    }

    [Fact]
    public void A_sample_count_that_differs_from_the_first_line_is_an_error()
    {
        var path = Write("short.csv", "3,1,a,b\n1,0\n2,1\n");

        var ex = Assert.Throws<DataFormatException>(() => SklearnCsv.Load(path));

        Assert.Equal($"{path} (line 3): the first line declares 3 samples but the file has 2", ex.Message);
    }

    [Fact]
    public void A_row_with_the_wrong_field_count_is_an_error()
    {
        var path = Write("fields.csv", "2,2,a,b\n1,2,0\n1,0\n");

        var ex = Assert.Throws<DataFormatException>(() => SklearnCsv.Load(path));

        Assert.Equal($"{path} (line 3): expected 3 fields (2 features and the target, as the first line declares), found 2", ex.Message);
    }

    [Fact]
    public void A_target_outside_the_declared_classes_is_an_error()
    {
        var path = Write("classes.csv", "2,1,a,b\n1,0\n2,2\n");

        var ex = Assert.Throws<DataFormatException>(() => SklearnCsv.Load(path));

        Assert.Equal($"{path} (line 3, column 2): the target 2 is not a class index of the first line's 2 classes (a, b); expected 0 to 1", ex.Message);
    }

    [Fact]
    public void A_missing_file_says_which_package_installs_it()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => SklearnCsv.LoadIris(_root));

        Assert.Contains("python3-sklearn", ex.Message);
        Assert.Contains(Path.Combine(_root, "iris.csv"), ex.Message);
    }
}
