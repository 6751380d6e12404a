using System.Text.Json;
using System.Text.Json.Nodes;
using Graft.Data.Splits;
using Graft.Models.Catalog;
using Graft.Runs.Catalog;
using Graft.Training;
using Graft.Training.Optimizers;
using Graft.Training.Schedules;

namespace Graft.Runs.RunFiles;

/// <summary>
/// The JSON Schema (draft 2020-12) of run files, for completion and checking in editors (e.g. the YAML language
/// server: <c># yaml-language-server: $schema=run.schema.json</c>). Defaults come from the option types; the
/// <c>builder</c>, loss and metric names and their <c>args</c> come from every registered catalog entry, users'
/// own included (register them before generating).
/// </summary>
/// <example><code>File.WriteAllText("run.schema.json", RunFileSchema.Generate());</code></example>
public static class RunFileSchema
{
    /// <summary>Generates the schema as indented JSON.</summary>
    public static string Generate() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Generates the schema as a JSON object.</summary>
    public static JsonObject Build()
    {
        var fragments = RunCatalog.SchemaFragments();
        var split = new SplitOptions();
        var training = new TrainerOptions();
        var optimizer = new OptimizerOptions();
        var schedule = new ScheduleOptions();

        var data = Obj("Where samples come from and which tensors are labels.", new()
        {
            ["source"] = Str("A built-in dataset (fashion-mnist, fashion-mnist:test, iris, wine, breast-cancer), a file (CSV, IDX, .npy, .npz, .safetensors) or a folder; relative to the run file."),
            ["test"] = Str("Separate test data; otherwise split.test is used."),
            ["labels"] = new JsonObject
            {
                ["description"] = "Label names with their kind.",
                ["type"] = "object",
                ["additionalProperties"] = Enum("The label's kind.", "class", "multi_label", "multilabel", "value", "regression", "auto"),
            },
            ["limit"] = Int("Only the first N samples of each source (0: all).", 0, 0),
            ["features"] = Array(Str("A CSV column (forming the feature matrix) or tensor to use as a feature; default: every non-label one.")),
            ["normalize"] = Array(Str("A feature to standardise with statistics of the training part.")),
            ["concat"] = Array(Str("Another source whose samples are appended (runs with flows); labels it lacks are missing for its samples.")),
            ["augment"] = Array(Obj("Augmentation of one image feature of training batches.", new()
            {
                ["feature"] = Str("The image feature."),
                ["crop_padding"] = Int("Random crop of the original size after zero padding by this many pixels.", 0, 0),
                ["flip"] = Num("Probability of a horizontal flip.", 0, 0, 1),
                ["noise"] = Num("Standard deviation of Gaussian noise.", 0, 0),
            }, "feature")),
        }, "source");

        var splitSchema = Obj("How samples are split; saved as split.json in the run directory.", new()
        {
            ["validation"] = Num("Fraction for validation.", split.Validation, 0, 1),
            ["test"] = Num("Fraction for testing.", split.Test, 0, 1),
            ["dev_size"] = Int("Training samples in the dev subset used by --dev.", split.DevSize, 0),
            ["seed"] = Int("Seed of the split.", split.Seed),
            ["stratify_by"] = Str("A class label whose proportions every part keeps."),
            ["reuse"] = Str("A saved split.json to reuse."),
        });

        var optimizerSchema = Obj("The optimizer.", new()
        {
            ["name"] = Enum("Which optimizer.", "sgd", "adam", "adamw"),
            ["lr"] = Num("Base learning rate (the peak for one_cycle).", optimizer.LearningRate, 0),
            ["weight_decay"] = Num("Weight decay.", optimizer.WeightDecay, 0),
            ["momentum"] = Num("SGD momentum.", optimizer.Momentum, 0, 1),
            ["nesterov"] = Bool("Nesterov momentum (sgd).", optimizer.Nesterov),
            ["beta1"] = Num("Adam's first-moment decay.", optimizer.Beta1, 0, 1),
            ["beta2"] = Num("Adam's second-moment decay.", optimizer.Beta2, 0, 1),
            ["eps"] = Num("Adam's epsilon.", optimizer.Epsilon, 0),
        });

        var scheduleSchema = Obj("The learning-rate schedule.", new()
        {
            ["name"] = Enum("Which schedule.", "none", "constant", "step", "cosine", "one_cycle", "reduce_on_plateau"),
            ["step_epochs"] = Int("step: epochs between reductions.", schedule.StepEpochs, 1),
            ["gamma"] = Num("step: multiplier of each reduction.", schedule.Gamma, 0, 1),
            ["min_factor"] = Num("cosine, reduce_on_plateau: the lowest factor.", schedule.MinFactor, 0, 1),
            ["pct_start"] = Num("one_cycle: fraction of the run spent rising.", schedule.PctStart, 0, 1),
            ["div_factor"] = Num("one_cycle: peak / starting rate.", schedule.DivFactor, 1),
            ["final_div_factor"] = Num("one_cycle: starting rate / final rate.", schedule.FinalDivFactor, 1),
            ["mode"] = Enum("reduce_on_plateau: whether the monitor should go down (min) or up (max).", "min", "max"),
            ["factor"] = Num("reduce_on_plateau: multiplier of each reduction.", schedule.PlateauFactor, 0, 1),
            ["patience"] = Int("reduce_on_plateau: bad epochs tolerated.", schedule.Patience, 0),
            ["threshold"] = Num("reduce_on_plateau: relative improvement that counts.", schedule.Threshold, 0),
            ["cooldown"] = Int("reduce_on_plateau: epochs after a reduction not counted.", schedule.Cooldown, 0),
            ["warmup_steps"] = Int("Batches of linear warmup.", schedule.WarmupSteps, 0),
            ["warmup_start_factor"] = Num("Starting multiplier of the warmup.", schedule.WarmupStartFactor, 0, 1),
        });

        var trainingSchema = Obj("The training loop.", new()
        {
            ["epochs"] = Int("Epochs to train.", training.Epochs, 1),
            ["batch_size"] = Int("Samples per batch.", 64, 1),
            ["seed"] = Int("Seed of initialisation, shuffling, dropout and augmentation.", training.Seed),
            ["threads"] = Int("TorchSharp intra-op threads (0: default).", training.Threads, 0),
            ["lr"] = Num("Shorthand for optimizer.lr.", null, 0),
            ["optimizer"] = optimizerSchema,
            ["schedule"] = scheduleSchema,
            ["gradient_clip"] = Num("Clip the total gradient norm to this value.", null, 0),
            ["monitor"] = new JsonObject
            {
                ["description"] = "The metric (split.name, e.g. validation.accuracy or validation.classifier.accuracy) deciding the best checkpoint, early stopping and plateau schedules.",
                ["type"] = "string",
                ["pattern"] = "^(train|validation)\\.",
                ["default"] = training.Monitor,
            },
            ["early_stopping"] = Obj("Stop when the monitor stops improving.", new()
            {
                ["patience"] = Int("Epochs without improvement.", new EarlyStoppingOptions().Patience, 1),
                ["min_delta"] = Num("Smallest change that counts.", 0, 0),
            }),
        });

        var logging = Obj("Where and what the run writes.", new()
        {
            ["run_dir"] = Str("The run directory (default runs/<run file name>)."),
            ["tensorboard"] = Bool("Write TensorBoard event files.", training.TensorBoard),
            ["curves"] = Bool("Draw curves.png.", training.Curves),
            ["notes"] = Str("Free text kept with the run."),
        });

        var loss = Term(fragments, CatalogEntryKind.Loss, "A loss: a name, or {name, weight, inputs, args}.", withWeight: true);
        var metric = Term(fragments, CatalogEntryKind.Metric, "A metric: a name, or {name, inputs}.", withWeight: false);
        var builderNames = fragments.Where(f => f.Kind == CatalogEntryKind.Builder).Select(f => f.Name).ToArray();
        var model = Obj("One model. Models run in the order listed.", new()
        {
            ["name"] = Str("The model's name; its outputs are model.output."),
            ["builder"] = Enum("The builder from the catalog.", builderNames),
            ["args"] = new JsonObject { ["description"] = "The builder's arguments.", ["type"] = "object" },
            ["inputs"] = Array(Str("A dataset feature, or an output of an earlier model (model or model.output).")),
            ["train"] = Bool("Whether the model is trained (false: frozen).", true),
            ["weights"] = Str("Weights to start from: a registry entry (e.g. SmallCnnWeights.FashionMnistV1; graft weights list), a weights file (.safetensors or TorchSharp's format, e.g. checkpoints/<name>.ckpt of an earlier run), relative to the run file."),
            ["weights_options"] = Obj("How the weights are fitted to the model.", new()
            {
                ["strict"] = Bool("Refuse missing or unexpected tensors (false: load what fits and report the rest).", true),
                ["adapt_input_channels"] = Bool("Adapt the first convolution to another number of input channels (sum for 1, repeat and rescale for more).", false),
                ["replace_classifier"] = Bool("Drop a classifier with another number of classes and start it afresh.", false),
            }),
            ["optimizer"] = Obj("The model's own optimizer settings.", new()
            {
                ["lr"] = Num("The model's learning rate.", null, 0),
                ["weight_decay"] = Num("The model's weight decay.", null, 0),
            }),
            ["checkpoint"] = Obj("When to write checkpoints/<name>.ckpt.", new()
            {
                ["monitor"] = new JsonObject { ["type"] = "string", ["pattern"] = "^(train|validation)\\.", ["description"] = "The metric whose improvement writes it (default: training.monitor)." },
            }),
            ["losses"] = Array(loss),
            ["metrics"] = Array(metric),
        }, "builder", "inputs");
        var allOf = new JsonArray();
        foreach (var f in fragments.Where(f => f.Kind == CatalogEntryKind.Builder))
            allOf.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { ["builder"] = new JsonObject { ["const"] = f.Name } }, ["required"] = new JsonArray("builder") },
                ["then"] = new JsonObject { ["properties"] = new JsonObject { ["args"] = f.Schema.DeepClone() } },
            });
        model["allOf"] = allOf;

        var builderEnum = Enum("The builder from the catalog.", builderNames);
        var encoder = Obj("An input of the flows computed by a catalog model from a dataset feature.", new()
        {
            ["name"] = Str("The input's name as flow lines read it, e.g. features."),
            ["input"] = Str("The dataset feature it reads, e.g. image."),
            ["builder"] = builderEnum,
            ["size"] = Int("Its number of outputs.", 128, 1),
            ["args"] = new JsonObject { ["description"] = "The builder's arguments.", ["type"] = "object" },
        }, "name", "input", "builder");
        var kinds = Graft.Flows.Tasks.TaskKinds.Names.ToArray();
        var task = new JsonObject
        {
            ["description"] = "A task: its kind, or {kind, options}.",
            ["oneOf"] = new JsonArray(Enum("The task's kind.", kinds), Obj("A task with options.", new()
            {
                ["kind"] = Enum("The task's kind.", kinds),
                ["label"] = Str("The dataset label (default: the task's name)."),
                ["classes"] = Int("classification: classes; multi_label: flags.", 2, 1),
                ["names"] = Array(Str("A class or flag name.")),
                ["scale"] = Num("bounded_regression: the largest value (sigmoid x scale).", 1, 0),
                ["values"] = Int("Values per sample (regressions).", 1, 1),
                ["missing"] = Num("A label value that marks the label missing (besides the dataset's mask).", null, null),
                ["vocabulary_size"] = Int("masked_lm: the number of tokens.", 2, 2),
                ["ignore_index"] = Int("masked_lm: the target of positions left out.", -100),
                ["weight"] = Num("The task's fixed loss weight.", 1, 0),
            }, "kind")),
        };
        var flowLines = Array(Str("A flow line: task_or_flow(input) | precondition, e.g. door_open(features) | ~camera_blocked & person_present."));
        var flows = new JsonObject
        {
            ["description"] = "The flows: a list of lines, or flow names mapped to lists of lines (the last flow is trained; earlier ones can be called like tasks).",
            ["oneOf"] = new JsonArray(flowLines, new JsonObject { ["type"] = "object", ["additionalProperties"] = flowLines.DeepClone() }),
        };

        var root = Obj("A Graft run file.", new()
        {
            ["encoders"] = Array(encoder),
            ["tasks"] = new JsonObject { ["description"] = "The tasks of the flows, by name.", ["type"] = "object", ["additionalProperties"] = task },
            ["flows"] = flows,
            ["task_weighting"] = Enum("How task losses are weighted: fixed weights, or uncertainty weighting (Kendall et al.).", "fixed", "uncertainty"),
            ["data"] = data,
            ["split"] = splitSchema,
            ["training"] = trainingSchema,
            ["logging"] = logging,
            ["pretrain"] = Enum("Initialise each trained model from the pretraining pool (the default) or from scratch (none).", "pool", "none"),
            ["pool"] = Obj("The pretraining pool the run uses.", new()
            {
                ["add"] = Bool("Add each trained model to the pool after training.", true),
                ["dir"] = Str("The pool's folder; default $GRAFT_HOME/pool (else ~/.graft/pool)."),
                ["budget"] = new JsonObject { ["description"] = "Seconds pretraining may take for the run; default a tenth of the planned training time.", ["type"] = "number", ["minimum"] = 0 },
            }),
            ["models"] = new JsonObject { ["type"] = "array", ["items"] = model, ["description"] = "The models, in order (required unless the run has flows)." },
        }, "data");
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$id"] = "https://graft.dev/schemas/run.schema.json";
        root["title"] = "Graft run file";
        return root;
    }

    private static JsonObject Term(IReadOnlyList<CatalogSchemaFragment> fragments, CatalogEntryKind kind, string description, bool withWeight)
    {
        var names = fragments.Where(f => f.Kind == kind).Select(f => f.Name).ToArray();
        var properties = new Dictionary<string, JsonNode>
        {
            ["name"] = Enum("The name from the catalog.", names),
            ["inputs"] = Array(Str("A model output (this model's output name, or model.output), a dataset label or feature.")),
            ["args"] = new JsonObject { ["type"] = "object", ["description"] = "Its arguments." },
        };
        if (withWeight) properties["weight"] = Num("Its weight in the summed loss.", 1, null);
        var mapping = Obj(description, properties, "name");
        var allOf = new JsonArray();
        foreach (var f in fragments.Where(f => f.Kind == kind))
            allOf.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { ["name"] = new JsonObject { ["const"] = f.Name } }, ["required"] = new JsonArray("name") },
                ["then"] = new JsonObject { ["properties"] = new JsonObject { ["args"] = f.Schema.DeepClone() } },
            });
        mapping["allOf"] = allOf;
        return new JsonObject { ["description"] = description, ["oneOf"] = new JsonArray(Enum("The name from the catalog.", names), mapping) };
    }

    private static JsonObject Obj(string description, Dictionary<string, JsonNode> properties, params string[] required)
    {
        var props = new JsonObject();
        foreach (var (k, v) in properties) props[k] = v;
        var o = new JsonObject { ["description"] = description, ["type"] = "object", ["properties"] = props, ["additionalProperties"] = false };
        if (required.Length > 0) o["required"] = new JsonArray(required.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray());
        return o;
    }

    private static JsonObject Str(string description) => new() { ["description"] = description, ["type"] = "string" };

    private static JsonObject Bool(string description, bool fallback) => new() { ["description"] = description, ["type"] = "boolean", ["default"] = fallback };

    private static JsonObject Int(string description, long fallback, long? minimum = null)
    {
        var o = new JsonObject { ["description"] = description, ["type"] = "integer", ["default"] = fallback };
        if (minimum is { } m) o["minimum"] = m;
        return o;
    }

    private static JsonObject Num(string description, double? fallback, double? minimum, double? maximum = null)
    {
        var o = new JsonObject { ["description"] = description, ["type"] = "number" };
        if (fallback is { } f) o["default"] = f;
        if (minimum is { } min) o["minimum"] = min;
        if (maximum is { } max) o["maximum"] = max;
        return o;
    }

    private static JsonObject Enum(string description, params string[] values) =>
        new() { ["description"] = description, ["type"] = "string", ["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) };

    private static JsonObject Array(JsonNode items) => new() { ["type"] = "array", ["items"] = items };
}
