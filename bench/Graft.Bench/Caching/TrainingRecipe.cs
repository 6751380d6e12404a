using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Graft.Bench.Caching;

/// <summary>
/// Everything that decides a trained model's weights: the architecture (catalog builder and arguments), the data
/// (source, class subset, sample count), and the training (procedure, epochs, batch, learning rate, seed). Two equal
/// recipes train the same model, so the SHA-256 of the recipe's canonical JSON (<see cref="Key"/>) names it in the
/// <see cref="TrainedModelCache"/>. A change to the training code must change <see cref="Procedure"/>.
/// </summary>
/// <param name="Builder">The model catalog builder (e.g. <c>small_cnn</c>).</param>
/// <param name="Args">The builder's arguments as text (e.g. <c>width = 32</c>).</param>
/// <param name="Classes">The original class labels trained on, in the order that maps them to 0, 1, ...</param>
/// <param name="Data">The data source and the range samples are drawn from (e.g. <c>fashion-mnist train [0, 48000)</c>).</param>
/// <param name="Samples">How many samples of those classes (the first ones in the range) the model sees, held-out part included.</param>
/// <param name="Epochs">Passes over the training part.</param>
/// <param name="BatchSize">Samples per step.</param>
/// <param name="LearningRate">The optimiser's learning rate.</param>
/// <param name="Seed">Seeds the initialisation, the order of samples and dropout.</param>
/// <param name="Procedure">The training code and its version, in words (part of the key, so changing it retrains).</param>
internal sealed record TrainingRecipe(
    string Builder,
    IReadOnlyDictionary<string, string> Args,
    IReadOnlyList<int> Classes,
    string Data,
    int Samples,
    int Epochs,
    int BatchSize,
    double LearningRate,
    long Seed,
    string Procedure)
{
    /// <summary>
    /// The recipe as JSON with a fixed property order, arguments sorted by name and numbers in invariant round-trip
    /// form: equal recipes give equal text on every machine.
    /// </summary>
    public string CanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("builder", Builder);
            json.WriteStartObject("args");
            foreach (var (name, value) in Args.OrderBy(a => a.Key, StringComparer.Ordinal)) json.WriteString(name, value);
            json.WriteEndObject();
            json.WriteStartArray("classes");
            foreach (var c in Classes) json.WriteNumberValue(c);
            json.WriteEndArray();
            json.WriteString("data", Data);
            json.WriteNumber("samples", Samples);
            json.WriteNumber("epochs", Epochs);
            json.WriteNumber("batch_size", BatchSize);
            // Round-trip text, so 1e-3 and 0.001 (the same double) give one key.
            json.WriteString("learning_rate", LearningRate.ToString("R", CultureInfo.InvariantCulture));
            json.WriteNumber("seed", Seed);
            json.WriteString("procedure", Procedure);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The SHA-256 of <see cref="CanonicalJson"/>, lower-case hex: the model's name in the cache.</summary>
    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson())));

    /// <summary>The builder's arguments as the model catalog takes them.</summary>
    public IReadOnlyDictionary<string, object> CatalogArgs => Args.ToDictionary(a => a.Key, a => (object)a.Value, StringComparer.Ordinal);
}
