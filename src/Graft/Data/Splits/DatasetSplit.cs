using System.Text.Json;
using System.Text.Json.Serialization;

namespace Graft.Data.Splits;

/// <summary>
/// A seeded partition of a dataset's sample indices into train, validation and test parts, plus a dev subset of the
/// training part. Saved as JSON in the run directory so that a later run can reuse exactly the same split.
/// </summary>
/// <example>
/// <code>
/// var split = DatasetSplit.Create(data, new SplitOptions(Validation: 0.1, Test: 0, Seed: 42, StratifyBy: "label"));
/// split.Save("runs/exp1/split.json");
/// var same = DatasetSplit.Load("runs/exp1/split.json", data.Count);
/// </code>
/// </example>
public sealed class DatasetSplit
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private DatasetSplit(long count, long seed, long[] train, long[] validation, long[] test, long[] dev)
    {
        Count = count;
        Seed = seed;
        Train = train;
        Validation = validation;
        Test = test;
        Dev = dev;
    }

    /// <summary>The number of samples in the dataset that was split.</summary>
    public long Count { get; }

    /// <summary>The seed the split was made with.</summary>
    public long Seed { get; }

    /// <summary>Indices of the training samples.</summary>
    public IReadOnlyList<long> Train { get; }

    /// <summary>Indices of the validation samples.</summary>
    public IReadOnlyList<long> Validation { get; }

    /// <summary>Indices of the test samples.</summary>
    public IReadOnlyList<long> Test { get; }

    /// <summary>Indices of the dev subset (a few training samples for quick debugging runs).</summary>
    public IReadOnlyList<long> Dev { get; }

    /// <summary>Splits <paramref name="dataset"/> as <paramref name="options"/> say (stratified when asked).</summary>
    public static DatasetSplit Create(IDataset dataset, SplitOptions options)
    {
        options.Validate();
        long[]? groups = null;
        if (options.StratifyBy is not null)
        {
            var info = dataset.Schema.Label(options.StratifyBy);
            if (info.Kind != LabelKind.Class)
                throw new ArgumentException($"split.stratify_by names label '{options.StratifyBy}', which is a {info.Kind} label; only class labels can stratify a split.");
            if (dataset is not TensorDataset tensors)
                throw new ArgumentException("split.stratify_by needs an in-memory dataset; lazy file datasets are split without stratification.");
            var label = tensors.Label(options.StratifyBy);
            var values = label.Values.data<long>().ToArray();
            var mask = label.Mask.data<bool>().ToArray();
            groups = values.Select((v, i) => mask[i] ? v : -1).ToArray();
        }

        return Create(dataset.Count, options, groups);
    }

    /// <summary>Splits <paramref name="count"/> samples; <paramref name="groups"/> (one value per sample) stratifies when given.</summary>
    public static DatasetSplit Create(long count, SplitOptions options, IReadOnlyList<long>? groups = null)
    {
        options.Validate();
        if (groups is not null && groups.Count != count)
            throw new ArgumentException($"Stratification needs one group per sample: {groups.Count} groups for {count} samples.");
        var train = new List<long>();
        var validation = new List<long>();
        var test = new List<long>();
        var byGroup = groups is null
            ? new[] { (Key: 0L, Items: SeededShuffle.Permutation(count, SeededShuffle.Combine(options.Seed))) }
            : groups.Select((g, i) => (g, (long)i)).GroupBy(p => p.g).OrderBy(g => g.Key)
                .Select(g =>
                {
                    var items = g.Select(p => p.Item2).ToArray();
                    SeededShuffle.Shuffle(items, SeededShuffle.Combine(options.Seed, g.Key));
                    return (Key: g.Key, Items: items);
                }).ToArray();
        foreach (var (_, items) in byGroup)
        {
            long nTest = (long)Math.Round(items.LongLength * options.Test);
            long nVal = (long)Math.Round(items.LongLength * options.Validation);
            test.AddRange(items.Take((int)nTest));
            validation.AddRange(items.Skip((int)nTest).Take((int)nVal));
            train.AddRange(items.Skip((int)(nTest + nVal)));
        }

        var trainArr = train.ToArray();
        var validationArr = validation.ToArray();
        var testArr = test.ToArray();
        // Parts are kept in a seeded order that does not group classes together.
        SeededShuffle.Shuffle(trainArr, SeededShuffle.Combine(options.Seed, 1));
        SeededShuffle.Shuffle(validationArr, SeededShuffle.Combine(options.Seed, 2));
        SeededShuffle.Shuffle(testArr, SeededShuffle.Combine(options.Seed, 3));
        var dev = trainArr.Take(Math.Min(options.DevSize, trainArr.Length)).ToArray();
        return new DatasetSplit(count, options.Seed, trainArr, validationArr, testArr, dev);
    }

    /// <summary>Writes the split as JSON to <paramref name="path"/> (atomically: a temp file, then a rename).</summary>
    public void Save(string path)
    {
        var dto = new SplitFile(1, Count, Seed, Train.ToArray(), Validation.ToArray(), Test.ToArray(), Dev.ToArray());
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, JsonSerializer.Serialize(dto, Json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Reads a split saved by <see cref="Save"/>, checking it against a dataset of <paramref name="expectedCount"/>
    /// samples: indices in range, parts disjoint, the dev subset inside the training part.
    /// </summary>
    /// <exception cref="DataFormatException">The file is malformed or does not fit the dataset.</exception>
    public static DatasetSplit Load(string path, long expectedCount)
    {
        SplitFile? dto;
        try
        {
            dto = JsonSerializer.Deserialize<SplitFile>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"not a valid split file: {e.Message}", e.LineNumber is long l ? $"line {l + 1}" : null, e);
        }

        if (dto is null || dto.Train is null || dto.Validation is null || dto.Test is null || dto.Dev is null)
            throw new DataFormatException(path, "not a split file: expected the keys count, seed, train, validation, test and dev.");
        if (dto.Version != 1) throw new DataFormatException(path, $"split file version {dto.Version} is not supported (expected 1).");
        if (dto.Count != expectedCount)
            throw new DataFormatException(path, $"the split was made for {dto.Count} samples but the dataset has {expectedCount}; delete the split file or point split.reuse at the matching data.");
        var seen = new byte[expectedCount];
        void Mark(long[] part, string name)
        {
            foreach (var i in part)
            {
                if (i < 0 || i >= expectedCount) throw new DataFormatException(path, $"'{name}' holds index {i}, outside 0..{expectedCount - 1}.");
                if (seen[i] != 0) throw new DataFormatException(path, $"index {i} appears twice ('{name}' overlaps another part).");
                seen[i] = 1;
            }
        }

        Mark(dto.Train, "train");
        Mark(dto.Validation, "validation");
        Mark(dto.Test, "test");
        var trainSet = dto.Train.ToHashSet();
        var outside = dto.Dev.FirstOrDefault(i => !trainSet.Contains(i), -1);
        if (outside >= 0) throw new DataFormatException(path, $"dev index {outside} is not in the training part.");
        return new DatasetSplit(dto.Count, dto.Seed, dto.Train, dto.Validation, dto.Test, dto.Dev);
    }

    private sealed record SplitFile(
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("count")] long Count,
        [property: JsonPropertyName("seed")] long Seed,
        [property: JsonPropertyName("train")] long[]? Train,
        [property: JsonPropertyName("validation")] long[]? Validation,
        [property: JsonPropertyName("test")] long[]? Test,
        [property: JsonPropertyName("dev")] long[]? Dev);
}
