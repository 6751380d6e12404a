using Graft.Models.Blocks;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Tests.Models.Blocks;

/// <summary>Checks shared by the encoder and decoder tests.</summary>
internal static class ConvStackTestSupport
{
    internal static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    internal static long[] ForwardShape(ConvStack module, params long[] sampleShape)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var x = randn(new long[] { 2 }.Concat(sampleShape).ToArray());
        return module.call(x).shape;
    }

    /// <summary>Stages chain up, start at the input and end at the output.</summary>
    internal static void AssertStagesChain(ConvStackPlan plan)
    {
        Assert.Equal(plan.InputShape[0], plan.Stages[0].InChannels);
        Assert.Equal(plan.InputShape.Skip(1), plan.Stages[0].InputSize);
        for (int i = 1; i < plan.Stages.Count; i++)
        {
            Assert.Equal(plan.Stages[i - 1].OutChannels, plan.Stages[i].InChannels);
            Assert.Equal(plan.Stages[i - 1].OutputSize, plan.Stages[i].InputSize);
        }

        Assert.Equal(plan.OutputShape[0], plan.Stages[^1].OutChannels);
        Assert.Equal(plan.OutputShape.Skip(1), plan.Stages[^1].OutputSize);
    }

    /// <summary>No stage changes a spatial size by more than 2x; a landing stage by less than 2x.</summary>
    internal static void AssertGentleStages(ConvStackPlan plan)
    {
        foreach (var s in plan.Stages)
        {
            Assert.True(s.SizeFactor <= 2.0, $"stage {s.Index} changes the size by {s.SizeFactor}:\n{plan.Describe()}");
            if (s.Resampling != StageResampling.None)
                Assert.True(s.SizeFactor < 2.0, $"stage {s.Index} resamples by {s.SizeFactor}:\n{plan.Describe()}");
        }
    }

    /// <summary>Along every axis there are at least ceil(log2(large / small)) stages that change the size.</summary>
    internal static void AssertOneStagePerFactorTwo(ConvStackPlan plan)
    {
        for (int axis = 0; axis < plan.SpatialDims; axis++)
        {
            long a = plan.InputShape[axis + 1], b = plan.OutputShape[axis + 1];
            double factor = (double)Math.Max(a, b) / Math.Min(a, b);
            int needed = (int)Math.Ceiling(Math.Log2(factor) - 1e-9);
            int changing = plan.Stages.Count(s => s.InputSize[axis] != s.OutputSize[axis]);
            Assert.True(changing >= needed, $"axis {axis}: {changing} stages change the size, a factor {factor} needs {needed}:\n{plan.Describe()}");
        }
    }

    internal static void AssertMonotoneChannels(ConvStackPlan plan)
    {
        var channels = new[] { plan.Stages[0].InChannels }.Concat(plan.Stages.Select(s => s.OutChannels)).ToArray();
        bool growing = plan.OutputShape[0] >= plan.InputShape[0];
        for (int i = 1; i < channels.Length; i++)
        {
            if (growing) Assert.True(channels[i] >= channels[i - 1], $"channels {string.Join(" -> ", channels)} shrink");
            else Assert.True(channels[i] <= channels[i - 1], $"channels {string.Join(" -> ", channels)} grow");
        }
    }

    /// <summary>The largest gradient extent over all output positions of a 1-D stack.</summary>
    internal static long MaxGradientExtent1d(ConvStack module) =>
        Enumerable.Range(0, (int)module.OutputShape[1]).Max(o => GradientExtent(module, new long[] { o })[0]);

    /// <summary>
    /// Positions of the input whose gradient for output unit <paramref name="unit"/> (first channel, all spatial
    /// indices) is non-zero, as the extent per axis. Use a plan without batch norm and with a smooth activation.
    /// </summary>
    internal static long[] GradientExtent(ConvStack module, long[] unit)
    {
        using var scope = NewDisposeScope();
        module.eval();
        // In double precision: libtorch's float convolution backward (its oneDNN path) returned all-zero gradients
        // here even on five repeated passes (2026-12-07); the support of a gradient does not depend on the precision.
        module.to(ScalarType.Float64);
        manual_seed(3);
        var x = randn(new long[] { 1 }.Concat(module.InputShape).ToArray(), dtype: ScalarType.Float64).requires_grad_(true);
        var index = new List<TensorIndex> { TensorIndex.Single(0), TensorIndex.Colon };
        index.AddRange(unit.Select(u => TensorIndex.Single(u)));
        // libtorch's CPU convolution backward sometimes returns NaN or all zeros on this machine (see
        // PoolTestKit.Train): such a gradient has no support at all, so the same backward pass is repeated; a wrong but
        // non-empty support stays wrong.
        for (int attempt = 0; ; attempt++)
        {
            x.grad?.zero_();
            module.call(x)[index.ToArray()].sum().backward();
            var g = x.grad!;
            if ((g.isfinite().all().item<bool>() && g.abs().sum().item<double>() > 0) || attempt == 4) break;
        }

        var support = x.grad!.abs().sum(new long[] { 0, 1 }) > 0; // spatial dims remain
        var extents = new long[unit.Length];
        for (int axis = 0; axis < unit.Length; axis++)
        {
            var others = Enumerable.Range(0, unit.Length).Where(a => a != axis).Select(a => (long)a).ToArray();
            var along = others.Length == 0 ? support : support.any(others[0]);
            var hits = nonzero(along).flatten();
            extents[axis] = hits.numel() == 0 ? 0 : hits.max().item<long>() - hits.min().item<long>() + 1;
        }

        return extents;
    }
}
