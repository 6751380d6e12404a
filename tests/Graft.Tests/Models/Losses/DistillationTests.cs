using Graft.Models.Losses;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Losses;

public class DistillationTests
{
    [Fact]
    public void The_value_is_the_kl_divergence_from_teacher_to_student()
    {
        using var student = tensor(new float[,] { { 0, 0 } });
        using var teacher = tensor(new float[,] { { (float)Math.Log(3), 0 } });
        // Teacher (3/4, 1/4), student (1/2, 1/2).
        double expected = 0.75 * Math.Log(0.75 / 0.5) + 0.25 * Math.Log(0.25 / 0.5);
        var (value, gradient) = LossTestKit.ValueAndGradient(new Distillation(), student, teacher);
        Assert.Equal(expected, value, 5);
        // d/dstudent = softmax(student) - softmax(teacher).
        LossTestKit.AssertClose(new[] { -0.25, 0.25 }, gradient);
    }

    [Fact]
    public void The_temperature_softens_both_sides_and_scales_by_its_square()
    {
        using var student = tensor(new float[,] { { 0, 0 } });
        using var teacher = tensor(new float[,] { { (float)Math.Log(3), 0 } });
        double p = Math.Sqrt(3) / (Math.Sqrt(3) + 1);
        double expected = 4 * (p * Math.Log(p / 0.5) + (1 - p) * Math.Log((1 - p) / 0.5));
        Assert.Equal(expected, LossTestKit.ValueAndGradient(new Distillation(temperature: 2), student, teacher).Value, 5);
    }

    [Fact]
    public void Equal_logits_cost_nothing()
    {
        using var logits = tensor(new float[,] { { 1, 2, 3 }, { -1, 0, 5 } });
        Assert.Equal(0.0, LossTestKit.ValueAndGradient(new Distillation(temperature: 3), logits, logits).Value, 6);
    }

    [Fact]
    public void Masked_samples_with_NaN_teachers_count_for_nothing()
    {
        using var student = tensor(new float[,] { { 0, 0 }, { 4, -4 } });
        using var teacher = tensor(new float[,] { { (float)Math.Log(3), 0 }, { float.NaN, float.NaN } });
        using var mask = tensor(new[] { true, false });
        double expected = 0.75 * Math.Log(1.5) + 0.25 * Math.Log(0.5);
        var (value, gradient) = LossTestKit.ValueAndGradient(new Distillation(), student, teacher, mask);
        Assert.Equal(expected, value, 5);
        Assert.Equal(new[] { 0f, 0f }, gradient[2..]);
    }

    [Fact]
    public void An_all_masked_batch_gives_exactly_zero_with_zero_gradient()
    {
        using var student = tensor(new float[,] { { 0, 1 }, { 4, -4 } });
        using var teacher = full(2, 2, float.NaN);
        LossTestKit.AllMaskedGivesZero(new Distillation(temperature: 2), student, teacher);
    }

    [Fact]
    public void Student_and_teacher_of_different_shapes_are_refused()
    {
        using var student = zeros(2, 3);
        using var teacher = zeros(2, 4);
        var e = Assert.Throws<ArgumentException>(() => new Distillation().Compute([student, teacher]));
        Assert.Contains("got [2, 3] and [2, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => new Distillation(temperature: 0));
    }
}
