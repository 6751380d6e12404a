using Graft.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Flows.Composition;

/// <summary>Compiles a built flow into a <see cref="CompiledFlow"/> for data of a given schema.</summary>
public static class FlowCompiler
{
    /// <summary>
    /// Compiles <paramref name="root"/> (from <see cref="FlowProject.Build"/>): each encoder is run once on a zero
    /// sample to learn its output shape, and each task gets its head for the shape of its input.
    /// </summary>
    /// <param name="root">The built flow.</param>
    /// <param name="encoders">Inputs computed by modules from dataset features; other inputs are dataset features.</param>
    /// <param name="schema">The schema of the data.</param>
    /// <exception cref="FlowDefinitionException">An input is neither an encoder nor a feature, or a task cannot read its input.</exception>
    public static CompiledFlow Compile(FlowNode root, IReadOnlyList<FlowEncoder> encoders, DatasetSchema schema)
    {
        var shapes = new Dictionary<string, long[]>();
        foreach (var e in encoders)
        {
            var feature = schema.Features.FirstOrDefault(f => f.Name == e.Feature)
                          ?? throw new FlowDefinitionException($"Encoder '{e.Name}' reads feature '{e.Feature}', which the data lacks. Features: {string.Join(", ", schema.Features.Select(f => f.Name))}.");
            using var scope = NewDisposeScope();
            var wasTraining = e.Module.training;
            e.Module.eval();
            using (no_grad())
            {
                var sample = zeros(new[] { 2L }.Concat(feature.SampleShape).ToArray(), feature.DType);
                try
                {
                    shapes[e.Name] = e.Module.call(sample).shape.Skip(1).ToArray();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException)
                {
                    throw new FlowDefinitionException($"Encoder '{e.Name}' failed on samples of '{e.Feature}' [{string.Join(", ", feature.SampleShape)}]: {ex.Message.Split('\n')[0]}");
                }
            }

            e.Module.train(wasTraining);
        }

        var heads = new List<(string, nn.Module<Tensor, Tensor>)>();
        foreach (var t in root.Leaves())
        {
            var input = t.Input.Name;
            long[] shape = shapes.TryGetValue(input, out var s) ? s
                : schema.Features.FirstOrDefault(f => f.Name == input)?.SampleShape
                  ?? throw new FlowDefinitionException($"Task '{t.Path}' reads input '{input}', which is neither an encoder ({string.Join(", ", encoders.Select(e => e.Name))}) nor a dataset feature ({string.Join(", ", schema.Features.Select(f => f.Name))}).{Graft.Text.Suggestions.DidYouMean(input, encoders.Select(e => e.Name).Concat(schema.Features.Select(f => f.Name)))}");
            heads.Add((FlowModule.Key(t.Path), t.Task!.CreateHead(shape)));
        }

        var module = new FlowModule(encoders.Select(e => (e.Name, e.Module)), heads);
        return new CompiledFlow(root, encoders, module, schema);
    }
}
