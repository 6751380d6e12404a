using System.Globalization;
using System.Text;

namespace Graft.Models.Blocks;

/// <summary>What a stage of a convolution stack does to the spatial size.</summary>
public enum ConvStageRole
{
    /// <summary>A stride-2 convolution halving (rounding up) at least one spatial axis.</summary>
    Downsample,

    /// <summary>A stride-2 transposed convolution doubling (or doubling minus one) at least one spatial axis.</summary>
    Upsample,

    /// <summary>The stage that lands exactly on the target size: a convolution with a computed kernel, or a
    /// resampling by a factor below 2 next to a regular convolution.</summary>
    Landing,

    /// <summary>The only stage of a stack whose input and output sizes are equal: it changes channels only.</summary>
    Channels,
}

/// <summary>A fixed-size resampling a landing stage performs next to its convolution.</summary>
public enum StageResampling
{
    /// <summary>No resampling.</summary>
    None,

    /// <summary>Adaptive average pooling after the convolution (encoders; remaining factor below 2).</summary>
    AdaptiveAveragePool,

    /// <summary>Nearest-neighbour upsampling before the convolution (decoders; remaining factor below 2).</summary>
    NearestUpsample,
}

/// <summary>One stage of a <see cref="ConvStackPlan"/>: a (transposed) convolution, optionally followed by batch
/// norm, activation and dropout, and possibly a resampling. Spatial lists have one entry per spatial axis.</summary>
public sealed class ConvStage
{
    internal ConvStage(int index, ConvStageRole role, bool transposed, StageResampling resampling,
        long inChannels, long outChannels, long[] inputSize, long[] outputSize,
        int[] kernel, int[] stride, int[] padding, int[] outputPadding, bool batchNorm, bool activated, double dropout)
    {
        Index = index;
        Role = role;
        Transposed = transposed;
        Resampling = resampling;
        InChannels = inChannels;
        OutChannels = outChannels;
        InputSize = inputSize;
        OutputSize = outputSize;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        BatchNorm = batchNorm;
        Activated = activated;
        Dropout = dropout;
        long weights = inChannels * outChannels * kernel.Aggregate(1L, (a, k) => a * k);
        ParameterCount = weights + (batchNorm ? 2 * outChannels : outChannels);
    }

    /// <summary>Position of the stage, from 1.</summary>
    public int Index { get; }

    /// <summary>What the stage does to the spatial size.</summary>
    public ConvStageRole Role { get; }

    /// <summary>Whether the convolution is transposed.</summary>
    public bool Transposed { get; }

    /// <summary>The resampling the stage performs, if any.</summary>
    public StageResampling Resampling { get; }

    /// <summary>Channels entering the stage.</summary>
    public long InChannels { get; }

    /// <summary>Channels leaving the stage.</summary>
    public long OutChannels { get; }

    /// <summary>Spatial size entering the stage.</summary>
    public IReadOnlyList<long> InputSize { get; }

    /// <summary>Spatial size leaving the stage (after any resampling).</summary>
    public IReadOnlyList<long> OutputSize { get; }

    /// <summary>Convolution kernel per spatial axis.</summary>
    public IReadOnlyList<int> Kernel { get; }

    /// <summary>Convolution stride per spatial axis.</summary>
    public IReadOnlyList<int> Stride { get; }

    /// <summary>Convolution zero padding per spatial axis.</summary>
    public IReadOnlyList<int> Padding { get; }

    /// <summary>Output padding of a transposed convolution per spatial axis (zeros otherwise).</summary>
    public IReadOnlyList<int> OutputPadding { get; }

    /// <summary>Whether batch norm follows the convolution (the convolution then has no bias).</summary>
    public bool BatchNorm { get; }

    /// <summary>Whether the activation follows.</summary>
    public bool Activated { get; }

    /// <summary>Dropout probability after the activation (0: none).</summary>
    public double Dropout { get; }

    /// <summary>Trainable parameters of the stage: convolution weights and bias, batch-norm scale and shift.</summary>
    public long ParameterCount { get; }

    /// <summary>The largest reduction (or growth) factor over the spatial axes: input over output size for a shrinking
    /// stage, output over input for a growing one.</summary>
    public double SizeFactor => InputSize.Zip(OutputSize, (a, b) => a >= b ? (double)a / b : (double)b / a).DefaultIfEmpty(1).Max();
}

/// <summary>
/// The layer plan of a convolution stack, computed from the input and output shapes without building any module:
/// see <see cref="ConvEncoder.Plan"/>, <see cref="ConvEncoder1d.Plan"/>, <see cref="ConvDecoder.Plan"/>,
/// <see cref="ConvDecoder1d.Plan"/>.
/// </summary>
public sealed class ConvStackPlan
{
    internal ConvStackPlan(string block, long[] inputShape, long[] outputShape, ConvStackOptions options, IReadOnlyList<ConvStage> stages)
    {
        Block = block;
        InputShape = inputShape;
        OutputShape = outputShape;
        Options = options;
        Stages = stages;
        ParameterCount = stages.Sum(s => s.ParameterCount);
        var spatialIn = inputShape[1..];
        var field = new long[spatialIn.Length];
        bool covers = true;
        for (int axis = 0; axis < spatialIn.Length; axis++)
        {
            (field[axis], bool axisCovers) = ReceptiveFieldOf(axis, spatialIn[axis], outputShape[axis + 1]);
            covers &= axisCovers;
        }

        ReceptiveField = field;
        CoversWholeInput = covers;
    }

    /// <summary>The block the plan is for (<c>ConvEncoder</c>, <c>ConvDecoder1d</c>, ...).</summary>
    public string Block { get; }

    /// <summary>Number of spatial axes: 1 or 2.</summary>
    public int SpatialDims => InputShape.Count - 1;

    /// <summary>Input shape of one sample: channels, then the spatial sizes.</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Output shape of one sample: channels, then the spatial sizes.</summary>
    public IReadOnlyList<long> OutputShape { get; }

    /// <summary>The options the plan was made with.</summary>
    public ConvStackOptions Options { get; }

    /// <summary>The stages, in execution order.</summary>
    public IReadOnlyList<ConvStage> Stages { get; }

    /// <summary>Trainable parameters of the whole stack.</summary>
    public long ParameterCount { get; }

    /// <summary>
    /// Per spatial axis, the largest number of input positions one output unit depends on (clipped to the input, so
    /// at most the input size). Equal to the input size on every axis when <see cref="CoversWholeInput"/>.
    /// </summary>
    public IReadOnlyList<long> ReceptiveField { get; }

    /// <summary>Whether every output unit depends on the whole input (always so when the output size is 1).</summary>
    public bool CoversWholeInput { get; }

    /// <summary>A table of the stages, with the parameter count and receptive field.</summary>
    public string Describe()
    {
        var ci = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.Append(ci, $"{Block} {Shapes.Format(InputShape)} -> {Shapes.Format(OutputShape)}: {Stages.Count} stage{(Stages.Count == 1 ? "" : "s")}, ");
        b.Append(ci, $"{ParameterCount:N0} parameters, receptive field {Cross(ReceptiveField)}");
        b.Append(CoversWholeInput ? " (covers the whole input)" : " (local)");
        b.AppendLine();
        foreach (var s in Stages)
        {
            string conv = (s.Transposed ? "convT " : "conv ") + $"{Cross(s.Kernel)} stride {Cross(s.Stride)} pad {Cross(s.Padding)}";
            if (s.OutputPadding.Any(p => p != 0)) conv += $" outpad {Cross(s.OutputPadding)}";
            if (s.Resampling == StageResampling.AdaptiveAveragePool) conv += " + adaptive avg pool";
            if (s.Resampling == StageResampling.NearestUpsample) conv = "nearest upsample + " + conv;
            var tail = new List<string>();
            if (s.BatchNorm) tail.Add("BN");
            if (s.Activated) tail.Add(Options.Activation.ToString());
            if (s.Dropout > 0) tail.Add(string.Create(ci, $"dropout {s.Dropout}"));
            string channels = $"{s.InChannels} -> {s.OutChannels} ch";
            string sizes = $"{Cross(s.InputSize)} -> {Cross(s.OutputSize)}";
            string line = string.Create(ci, $"  {s.Index,2}  {s.Role.ToString().ToLowerInvariant(),-10}  {conv,-50}  {channels,-14}  {sizes,-18}  {string.Join(' ', tail),-18}  {s.ParameterCount,10:N0} params");
            b.Append(line.TrimEnd()).AppendLine();
        }

        return b.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Describe();

    private static string Cross<T>(IEnumerable<T> values) => string.Join("x", values);

    /// <summary>Propagates every output position back to the input positions it depends on.</summary>
    private (long Field, bool Covers) ReceptiveFieldOf(int axis, long inputSize, long outputSize)
    {
        long field = 0;
        bool covers = true;
        for (long o = 0; o < outputSize; o++)
        {
            long lo = o, hi = o;
            for (int i = Stages.Count - 1; i >= 0; i--)
            {
                var s = Stages[i];
                long sIn = s.InputSize[axis], sOut = s.OutputSize[axis];
                int k = s.Kernel[axis], st = s.Stride[axis], p = s.Padding[axis];
                if (s.Resampling == StageResampling.AdaptiveAveragePool)
                {
                    long convOut = sIn + 2L * p - k + 1; // stride-1 convolution before the pool
                    (lo, hi) = (lo * convOut / sOut, CeilDiv((hi + 1) * convOut, sOut) - 1);
                    (lo, hi) = (Math.Max(0, lo - p), Math.Min(sIn - 1, hi - p + k - 1));
                }
                else if (s.Resampling == StageResampling.NearestUpsample)
                {
                    long upSize = sOut; // the stride-1 convolution after the upsampling keeps the size
                    (lo, hi) = (Math.Max(0, lo - p), Math.Min(upSize - 1, hi - p + k - 1));
                    (lo, hi) = (lo * sIn / upSize, hi * sIn / upSize);
                }
                else if (s.Transposed)
                {
                    // output o = i * stride - padding + j, 0 <= j < kernel
                    (lo, hi) = (Math.Max(0, CeilDiv(lo + p - k + 1, st)), Math.Min(sIn - 1, FloorDiv(hi + p, st)));
                }
                else
                {
                    (lo, hi) = (Math.Max(0, lo * st - p), Math.Min(sIn - 1, hi * st - p + k - 1));
                }
            }

            field = Math.Max(field, hi - lo + 1);
            covers &= lo == 0 && hi == inputSize - 1;
        }

        return (field, covers);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);
}
