using Graft.Data;
using Graft.Training.Losses;
using Graft.Training.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Training;

/// <summary>Builds the common <see cref="TrainingPlan"/>: one module, one input feature, one label, the loss and metrics its kind implies.</summary>
public static class SupervisedPlan
{
    /// <summary>The name of the model's output in plans built here.</summary>
    public const string Output = "output";

    /// <summary>
    /// A plan that feeds feature <paramref name="input"/> to <paramref name="module"/> and compares its output with
    /// label <paramref name="label"/>: cross-entropy and accuracy for class labels, binary cross-entropy and accuracy
    /// for multi-labels, mean squared error and MAE for values (unless <paramref name="loss"/> is given).
    /// </summary>
    public static TrainingPlan Create(nn.Module<Tensor, Tensor> module, string input, LabelInfo label, LossFunction? loss = null, string moduleName = "model")
    {
        var plan = new TrainingPlan()
            .AddModule(moduleName, module)
            .WithForward(b => new Dictionary<string, Tensor> { [Output] = module.call(b[input]) });
        var name = label.Name;
        switch (label.Kind)
        {
            case LabelKind.Class:
                plan.AddLoss("cross_entropy", loss ?? ((o, b) => MaskedLosses.CrossEntropy(o[Output], b[name], b.Mask(name))));
                plan.AddMetric("accuracy", () => new Accuracy(), Output, name);
                break;
            case LabelKind.MultiLabel:
                plan.AddLoss("binary_cross_entropy", loss ?? ((o, b) => MaskedLosses.BinaryCrossEntropyWithLogits(o[Output], b[name], b.Mask(name))));
                plan.AddMetric("accuracy", () => new Accuracy(), Output, name);
                break;
            default:
                plan.AddLoss("mse", loss ?? ((o, b) => MaskedLosses.MeanSquaredError(o[Output], b[name], b.Mask(name))));
                plan.AddMetric("mae", () => new MeanAbsoluteError(), Output, name);
                break;
        }

        return plan;
    }
}
