using System.ComponentModel;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Models.Losses;

/// <summary>
/// Knowledge distillation: the KL divergence from the teacher's softened class distribution to the student's,
/// <c>T² · KL(softmax(teacher / T) ‖ softmax(student / T))</c>, summed over classes (dimension 1), averaged over any
/// further dimensions and then over the samples the mask selects. The <c>T²</c> factor keeps gradient sizes comparable
/// across temperatures. Gradients flow into both inputs; pass a detached teacher (or compute it under no_grad) to keep
/// the teacher fixed.
/// </summary>
[Loss("kl_divergence", Description = "KL divergence from a teacher's softened class distribution to a student's (inputs: student logits, teacher logits).")]
[Loss("distillation", Description = "Knowledge distillation: T² times the KL divergence between teacher and student at temperature T (the same as kl_divergence).")]
public sealed class Distillation : ILoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="temperature">The softmax temperature T; above 1 softens both distributions. Must be positive.</param>
    public Distillation([Description("softmax temperature; above 1 softens both distributions")] double temperature = 1)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentException($"temperature must be a positive number; it is {temperature}.", nameof(temperature));
        Temperature = temperature;
    }

    /// <summary>The softmax temperature.</summary>
    public double Temperature { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; } = ["student", "teacher"];

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<Tensor> inputs, Tensor? mask = null)
    {
        var (student, teacher) = LossMath.Pair("kl_divergence", InputNames, inputs);
        if (student.dim() < 2 || !student.shape.SequenceEqual(teacher.shape))
            throw new ArgumentException($"kl_divergence: expected student and teacher logits of the same shape [B, C, ...]; got [{LossMath.Shape(student)}] and [{LossMath.Shape(teacher)}].");
        using var scope = NewDisposeScope();
        var m = LossMath.Mask(mask, student.shape[0], "kl_divergence");
        var s = student / Temperature;
        var t = teacher.to_type(s.dtype) / Temperature;
        // A left-out sample's teacher may hold anything, even NaN: let it agree with the student there.
        if (m is not null) t = where(LossMath.Rows(m, t), t, s.detach());
        var logStudent = nn.functional.log_softmax(s, 1);
        var logTeacher = nn.functional.log_softmax(t, 1);
        var perSample = LossMath.PerSample((logTeacher.exp() * (logTeacher - logStudent)).sum([1L])) * (Temperature * Temperature);
        return LossMath.MaskedMean(perSample, m).MoveToOuterDisposeScope();
    }
}
