using TorchSharp;
using TorchSharp.Modules;

namespace Graft.Training.Optimizers;

/// <summary>The optimizers Graft trains with.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent, optionally with (Nesterov) momentum.</summary>
    Sgd,

    /// <summary>Adam.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
}

/// <summary>Optimizer settings; parameter groups may override the learning rate and weight decay.</summary>
/// <param name="Kind">Which optimizer.</param>
/// <param name="LearningRate">The base learning rate (the peak for one-cycle schedules).</param>
/// <param name="WeightDecay">L2 penalty (SGD, Adam) or decoupled weight decay (AdamW).</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="Nesterov">Whether SGD uses Nesterov momentum.</param>
/// <param name="Beta1">Adam's first-moment decay.</param>
/// <param name="Beta2">Adam's second-moment decay.</param>
/// <param name="Epsilon">Adam's epsilon.</param>
public sealed record OptimizerOptions(
    OptimizerKind Kind = OptimizerKind.Adam,
    double LearningRate = 1e-3,
    double WeightDecay = 0,
    double Momentum = 0.9,
    bool Nesterov = false,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"training.optimizer.lr must be a positive number; it is {LearningRate}.");
        if (WeightDecay < 0) throw new ArgumentException($"training.optimizer.weight_decay must not be negative; it is {WeightDecay}.");
        if (Momentum is < 0 or >= 1) throw new ArgumentException($"training.optimizer.momentum must be in [0, 1); it is {Momentum}.");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1) throw new ArgumentException($"training.optimizer.betas must be in [0, 1); they are ({Beta1}, {Beta2}).");
        if (Nesterov && (Kind != OptimizerKind.Sgd || Momentum == 0)) throw new ArgumentException("training.optimizer.nesterov needs the sgd optimizer with a momentum above 0.");
    }

    /// <summary>Creates the TorchSharp optimizer over <paramref name="groups"/>, each with its own settings.</summary>
    internal OptimizerHelper Create(IReadOnlyList<ParameterGroup> groups)
    {
        Validate();
        switch (Kind)
        {
            case OptimizerKind.Sgd:
                return torch.optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, g.LearningRate ?? LearningRate, Momentum, 0, g.WeightDecay ?? WeightDecay, Nesterov, false)), LearningRate, Momentum, 0, WeightDecay, Nesterov, false);
            case OptimizerKind.AdamW:
                return torch.optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, g.LearningRate ?? LearningRate, Beta1, Beta2, Epsilon, g.WeightDecay ?? WeightDecay, false, false)), LearningRate, Beta1, Beta2, Epsilon, WeightDecay, false, false);
            default:
                return torch.optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, g.LearningRate ?? LearningRate, Beta1, Beta2, Epsilon, g.WeightDecay ?? WeightDecay, false, false)), LearningRate, Beta1, Beta2, Epsilon, WeightDecay, false, false);
        }
    }
}
