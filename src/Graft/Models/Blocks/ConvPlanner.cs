namespace Graft.Models.Blocks;

/// <summary>
/// Derives the stages of a convolution stack from the input and output shapes.
/// <para>
/// Along each spatial axis the large size is halved (rounding up) by stride-2 convolutions while the half still
/// reaches the small size; what remains is a factor below 2, taken by one landing stage: a stride-1 convolution
/// without padding whose kernel is the size difference plus one, or, when that kernel would exceed
/// <c>2 * KernelSize + 1</c>, a regular convolution next to an adaptive average pool (encoders) or nearest upsampling
/// (decoders). Decoders mirror the encoder plan from their output shape to their input shape with transposed
/// convolutions whose output padding restores the exact sizes. Channels follow a geometric schedule between the
/// input and output channels.
/// </para>
/// </summary>
internal static class ConvPlanner
{
    private readonly record struct Axis(long In, long Out, int Kernel, int Stride, int Padding);

    private readonly record struct Step(ConvStageRole Role, bool Pool, Axis[] Axes);

    internal static ConvStackPlan Plan(string block, int dims, bool decoder, IReadOnlyList<long>? inputShape, IReadOnlyList<long>? outputShape, ConvStackOptions? options)
    {
        options ??= ConvStackOptions.Default;
        long[] input = CheckShape(block, "inputShape", inputShape, dims);
        long[] output = CheckShape(block, "outputShape", outputShape, dims);
        string[] axisNames = dims == 1 ? new[] { "length" } : new[] { "height", "width" };
        for (int d = 0; d < dims; d++)
        {
            if (!decoder && output[d + 1] > input[d + 1])
                throw new ArgumentException($"{block} only shrinks: outputShape {Shapes.Format(output)} has {axisNames[d]} {output[d + 1]}, more than the {input[d + 1]} of inputShape {Shapes.Format(input)}. Use {block.Replace("Encoder", "Decoder", StringComparison.Ordinal)} to grow.", nameof(outputShape));
            if (decoder && output[d + 1] < input[d + 1])
                throw new ArgumentException($"{block} only grows: outputShape {Shapes.Format(output)} has {axisNames[d]} {output[d + 1]}, less than the {input[d + 1]} of inputShape {Shapes.Format(input)}. Use {block.Replace("Decoder", "Encoder", StringComparison.Ordinal)} to shrink.", nameof(outputShape));
        }

        long[] large = (decoder ? output : input)[1..];
        long[] small = (decoder ? input : output)[1..];
        var steps = ShrinkSteps(large, small, options.KernelSize);
        if (decoder) steps.Reverse();

        int count = steps.Count;
        long[] channels = ChannelSchedule(input[0], output[0], count, options.MaxChannels);
        bool activateLast = options.ActivateOutput ?? !decoder;
        var stages = new List<ConvStage>(count);
        for (int i = 0; i < count; i++)
        {
            var step = steps[i];
            bool last = i == count - 1;
            bool full = !last || activateLast;
            var role = decoder && step.Role == ConvStageRole.Downsample ? ConvStageRole.Upsample : step.Role;
            int[] kernel = step.Axes.Select(a => a.Kernel).ToArray();
            int[] stride = step.Axes.Select(a => a.Stride).ToArray();
            int[] padding = step.Axes.Select(a => a.Padding).ToArray();
            long[] big = step.Axes.Select(a => a.In).ToArray();
            long[] little = step.Axes.Select(a => a.Out).ToArray();
            ConvStage stage;
            if (!decoder)
            {
                stage = new ConvStage(i + 1, role, false, step.Pool ? StageResampling.AdaptiveAveragePool : StageResampling.None,
                    channels[i], channels[i + 1], big, little, kernel, stride, padding, new int[dims],
                    full && options.BatchNorm, full, full ? options.Dropout : 0);
            }
            else if (step.Pool)
            {
                // Mirror of "same convolution then pool": nearest upsampling, then a same convolution.
                stage = new ConvStage(i + 1, role, false, StageResampling.NearestUpsample,
                    channels[i], channels[i + 1], little, big, kernel, stride, padding, new int[dims],
                    full && options.BatchNorm, full, full ? options.Dropout : 0);
            }
            else
            {
                // Transposed convolution: out = (in - 1) * stride - 2 * padding + kernel + outputPadding.
                int[] outputPadding = step.Axes.Select(a => (int)(a.In - ((a.Out - 1) * a.Stride - 2L * a.Padding + a.Kernel))).ToArray();
                stage = new ConvStage(i + 1, role, true, StageResampling.None,
                    channels[i], channels[i + 1], little, big, kernel, stride, padding, outputPadding,
                    full && options.BatchNorm, full, full ? options.Dropout : 0);
            }

            stages.Add(stage);
        }

        return new ConvStackPlan(block, input, output, options, stages);
    }

    /// <summary>The shrinking steps from <paramref name="large"/> to <paramref name="small"/>, in encoder order.</summary>
    private static List<Step> ShrinkSteps(long[] large, long[] small, int k)
    {
        int dims = large.Length;
        int same = (k - 1) / 2;
        var chains = new List<long>[dims];
        for (int d = 0; d < dims; d++)
        {
            var chain = new List<long> { large[d] };
            long s = large[d];
            while (s > small[d] && (s + 1) / 2 >= small[d])
            {
                s = (s + 1) / 2;
                chain.Add(s);
            }

            chains[d] = chain;
        }

        int halvings = chains.Max(c => c.Count - 1);
        var steps = new List<Step>();
        for (int j = 0; j < halvings; j++)
        {
            var axes = new Axis[dims];
            for (int d = 0; d < dims; d++)
            {
                var c = chains[d];
                axes[d] = j < c.Count - 1
                    ? new Axis(c[j], c[j + 1], k, 2, same)
                    : new Axis(c[^1], c[^1], k, 1, same);
            }

            steps.Add(new Step(ConvStageRole.Downsample, false, axes));
        }

        long[] rest = chains.Select(c => c[^1]).ToArray();
        bool landing = Enumerable.Range(0, dims).Any(d => rest[d] > small[d]);
        if (landing)
        {
            int limit = 2 * k + 1;
            bool pool = Enumerable.Range(0, dims).Any(d => rest[d] - small[d] + 1 > limit);
            var axes = new Axis[dims];
            for (int d = 0; d < dims; d++)
            {
                if (pool)
                    axes[d] = new Axis(rest[d], small[d], k, 1, same);
                else if (rest[d] > small[d])
                    axes[d] = new Axis(rest[d], small[d], (int)(rest[d] - small[d] + 1), 1, 0);
                else
                    axes[d] = new Axis(rest[d], rest[d], k, 1, same);
            }

            steps.Add(new Step(ConvStageRole.Landing, pool, axes));
        }

        if (steps.Count == 0)
            steps.Add(new Step(ConvStageRole.Channels, false, large.Select(s => new Axis(s, s, k, 1, same)).ToArray()));
        return steps;
    }

    /// <summary>Channels at each stage boundary: geometric from <paramref name="from"/> to <paramref name="to"/>, monotone,
    /// intermediate values capped by <paramref name="max"/> but never below the smaller end.</summary>
    internal static long[] ChannelSchedule(long from, long to, int stages, int? max)
    {
        var c = new long[stages + 1];
        c[0] = from;
        c[stages] = to;
        long cap = max is int m ? Math.Max(m, Math.Min(from, to)) : long.MaxValue;
        double ratio = (double)to / from;
        for (int i = 1; i < stages; i++)
        {
            long v = (long)Math.Round(from * Math.Pow(ratio, (double)i / stages));
            v = Math.Clamp(v, Math.Min(from, to), Math.Max(from, to));
            v = Math.Min(v, cap);
            c[i] = to >= from ? Math.Max(v, c[i - 1]) : Math.Min(v, c[i - 1]);
        }

        return c;
    }

    private static long[] CheckShape(string block, string parameter, IReadOnlyList<long>? shape, int dims)
    {
        string layout = dims == 1 ? "(channels, length)" : "(channels, height, width)";
        if (shape is null)
            throw new ArgumentException($"{block}: {parameter} is required: {layout}.", parameter);
        if (shape.Count != dims + 1)
            throw new ArgumentException($"{block}: {parameter} must have {dims + 1} entries {layout}; it is {Shapes.Format(shape)}.", parameter);
        if (shape.Any(s => s < 1))
            throw new ArgumentException($"{block}: every entry of {parameter} {layout} must be at least 1; it is {Shapes.Format(shape)}.", parameter);
        if (shape.Any(s => s > 1_000_000))
            throw new ArgumentException($"{block}: entries of {parameter} {layout} must be at most 1,000,000; it is {Shapes.Format(shape)}.", parameter);
        return shape.ToArray();
    }
}
