using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels.Batched;

/// <summary>
/// The dense layer on feature-major mini-batches: a layer's activations for a batch are stored as [width × columns], one
/// row per neuron, one column per sample, so every product is a small GEMM along the samples (<see cref="Gemm"/>).
/// <c>columns</c> must be a multiple of <see cref="BatchLayout.ColumnMultiple"/>; callers pad the batch with zero columns
/// (zero gradients contribute nothing). With a degree of parallelism set by the caller (training, <c>ForwardBatch</c>),
/// large products split their columns (or, for the weight gradient, their rows) between threads; every element is
/// computed by the same sequence of operations whatever the split, so results do not depend on the thread count.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Dense
{
    /// <summary>
    /// Products smaller than this many multiply-adds (about 5 µs on one core) stay on one thread: a dispatch costs about
    /// half a microsecond, and a part of a small product runs below the speed of a whole one. Measured: S's training step
    /// (32 × 32 × 256 products) took 27 µs on one thread and 47 µs on two with a threshold of 2¹⁸.
    /// </summary>
    private const long ParallelThreshold = 1 << 20;

    /// <summary>The calling thread's packed Wᵀ panels, shared by the parts of a split product.</summary>
    [ThreadStatic] private static float[]? t_panels;

    /// <summary>
    /// z[o, ·] = b[o] + Σᵢ W[o, i]·a[i, ·], then <typeparamref name="TEpilogue"/> on each register block before it is stored:
    /// nothing (<see cref="Epilogue.None"/>), or MaxMin on row pairs (GroupSort of size 2), recording the swap masks in
    /// <paramref name="record"/> (one row per pair) for the backward pass (<see cref="Epilogue.MaxMinRecording"/>) or not
    /// (<see cref="Epilogue.MaxMin"/>). The epilogue is a type argument, so each compiled copy has no branch on it.
    /// </summary>
    public static void Forward<TEpilogue>(ref readonly float weights, ref readonly float bias, ref readonly float input, ref float output, ref int record,
        int outputs, int inputs, int columns) where TEpilogue : struct, IDenseEpilogue
    {
        ref float w = ref Unsafe.AsRef(in weights), b = ref Unsafe.AsRef(in bias), x = ref Unsafe.AsRef(in input);
        if (typeof(TEpilogue) == typeof(Epilogue.None))
            Product<NoEpilogue>(ref w, inputs, 1, ref b, true, ref x, ref output, ref record, outputs, inputs, columns);
        else if (typeof(TEpilogue) == typeof(Epilogue.MaxMinRecording))
            Product<MaxMinEpilogue<MaxMin.Order>>(ref w, inputs, 1, ref b, true, ref x, ref output, ref record, outputs, inputs, columns);
        else if (typeof(TEpilogue) == typeof(Epilogue.MaxMin))
            Product<MaxMinEpilogue<MaxMin.Sort>>(ref w, inputs, 1, ref b, true, ref x, ref output, ref record, outputs, inputs, columns);
        else
            throw new NotSupportedException($"{typeof(TEpilogue).Name} is not a forward epilogue.");
    }

    /// <summary>
    /// ∂a[i, ·] = Σ_o W[o, i]·δ[o, ·], the product with Wᵀ (whose rows are W's columns), then <typeparamref name="TEpilogue"/>:
    /// nothing (<see cref="Epilogue.None"/>), or routed back through the recorded MaxMin that produced a
    /// (<see cref="Epilogue.MaxMinRoute"/>), giving the gradient that reaches the layer before.
    /// </summary>
    public static void BackpropagateInput<TEpilogue>(ref readonly float weights, ref readonly float delta, ref int record, ref float inputGradient,
        int outputs, int inputs, int columns) where TEpilogue : struct, IDenseEpilogue
    {
        ref float w = ref Unsafe.AsRef(in weights), d = ref Unsafe.AsRef(in delta);
        if (typeof(TEpilogue) == typeof(Epilogue.None))
            Product<NoEpilogue>(ref w, 1, inputs, ref Unsafe.NullRef<float>(), false, ref d, ref inputGradient, ref record, inputs, outputs, columns);
        else if (typeof(TEpilogue) == typeof(Epilogue.MaxMinRoute))
            Product<MaxMinEpilogue<MaxMin.Route>>(ref w, 1, inputs, ref Unsafe.NullRef<float>(), false, ref d, ref inputGradient, ref record, inputs, outputs, columns);
        else
            throw new NotSupportedException($"{typeof(TEpilogue).Name} is not a backward epilogue.");
    }

    /// <summary>∂W[o, i] += Σ_s δ[o, s]·a[i, s] and ∂b[o] += Σ_s δ[o, s].</summary>
    public static void AccumulateGradients(ref float weightGradient, ref float biasGradient, ref readonly float delta, ref readonly float input, int outputs, int inputs, int columns)
    {
        ref float x = ref Unsafe.AsRef(in input);
        int parts = Parts((long)outputs * inputs * columns, outputs / 4);
        if (parts <= 1)
        {
            Gemm.OuterProduct(ref weightGradient, ref biasGradient, ref Unsafe.AsRef(in delta), ref x, inputs, columns, columns, 0, outputs);
            return;
        }
        fixed (float* g = &weightGradient, gb = &biasGradient, d = &delta, px = &x)
        {
            OuterProductJob job = OuterProductJob.Current ??= new OuterProductJob();
            job.G = g;
            job.GB = gb;
            job.D = d;
            job.X = px;
            (job.Outputs, job.Inputs, job.Columns) = (outputs, inputs, columns);
            WorkerPool.Run(job, parts);
        }
    }

    private static void Product<TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float bias, bool hasBias, ref float x, ref float y,
        ref int record, int rows, int depth, int columns) where TEpilogue : struct, IEpilogue
    {
        int parts = Parts((long)rows * depth * columns, columns / BatchLayout.ColumnMultiple);
        if (parts <= 1)
        {
            Gemm.Product<TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, ref y, ref record, rows, depth, columns, 0, columns);
            return;
        }
        // Wᵀ is packed once here for every part (Gemm packs it itself when it runs alone).
        ref float panels = ref Unsafe.NullRef<float>();
        if (depthStride != 1)
        {
            int panelRows = Gemm.PanelRows(VectorBits.All);
            panels = ref Gemm.Grow(ref t_panels, rows / panelRows * panelRows * depth);
            Gemm.PackPanels(ref w, rowStride, depthStride, ref panels, rows / panelRows * panelRows, depth, panelRows);
        }
        fixed (float* pw = &w, pp = &panels, pb = &bias, px = &x, py = &y)
        fixed (int* pr = &record)
        {
            ProductJob<TEpilogue> job = ProductJob<TEpilogue>.Current ??= new ProductJob<TEpilogue>();
            job.W = pw;
            job.Panels = pp;
            job.Bias = pb;
            job.X = px;
            job.Y = py;
            job.Record = pr;
            (job.RowStride, job.DepthStride, job.HasBias, job.Rows, job.Depth, job.Columns) = (rowStride, depthStride, hasBias, rows, depth, columns);
            WorkerPool.Run(job, parts);
        }
    }

    /// <summary>
    /// Every part of a split product gets at least this many multiply-adds (about 2.5 µs on one core): more threads than
    /// that leaves each too little work for its dispatch and join. On a 16-core Xeon the M network's training step
    /// (128 × 128 × 256 products, 4.2·10⁶ multiply-adds) ran fastest on 8 threads and nearly twice as slow on 16
    /// (../shared/notes/intel-host.md); with this floor its products take at most 8, whatever the degree.
    /// </summary>
    private const long MinimumPart = ParallelThreshold / 2;

    /// <summary>
    /// How many threads a product of this size gets: the caller's degree, capped by the pieces it can be cut into and by
    /// <see cref="MinimumPart"/>, so that more threads never make a product slower for want of work.
    /// </summary>
    internal static int Parts(long multiplyAdds, int pieces) =>
        multiplyAdds < ParallelThreshold ? 1 : (int)Math.Max(1, Math.Min(Math.Min(WorkerPool.Degree, pieces), multiplyAdds / MinimumPart));

    /// <summary>Part k of n of a range of <paramref name="units"/> units of <paramref name="unit"/> elements.</summary>
    private static (int Begin, int End) Split(int units, int unit, int part, int parts) =>
        ((int)((long)units * part / parts) * unit, (int)((long)units * (part + 1) / parts) * unit);

    // The jobs hold pointers to the caller's pinned spans; one instance per calling thread is reused, so a call allocates nothing.
    private sealed class ProductJob<TEpilogue> : ParallelJob where TEpilogue : struct, IEpilogue
    {
        [ThreadStatic] public static ProductJob<TEpilogue>? Current;
        public float* W, Panels, Bias, X, Y;
        public int* Record;
        public nint RowStride, DepthStride;
        public bool HasBias;
        public int Rows, Depth, Columns;

        public override void Run(int part, int parts)
        {
            (int begin, int end) = Split(Columns / BatchLayout.ColumnMultiple, BatchLayout.ColumnMultiple, part, parts);
            Gemm.Product<TEpilogue>(ref *W, RowStride, DepthStride, ref *Panels, ref *Bias, HasBias, ref *X, ref *Y, ref *Record, Rows, Depth, Columns, begin, end);
        }
    }

    private sealed class OuterProductJob : ParallelJob
    {
        [ThreadStatic] public static OuterProductJob? Current;
        public float* G, GB, D, X;
        public int Outputs, Inputs, Columns;

        public override void Run(int part, int parts)
        {
            (int begin, int end) = Split(Outputs / 4, 4, part, parts);
            if (part == parts - 1)
                end = Outputs; // the last part takes the rows that do not fill a block of 4
            Gemm.OuterProduct(ref *G, ref *GB, ref *D, ref *X, Inputs, Columns, Columns, begin, end);
        }
    }
}

/// <summary>What a batched dense product does to each register block of its output before it is stored: a type argument.</summary>
public interface IDenseEpilogue
{
}

/// <summary>The epilogues of <see cref="Dense.Forward{TEpilogue}"/> and <see cref="Dense.BackpropagateInput{TEpilogue}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Epilogue
{
    /// <summary>Nothing: the output layer, a layer before a residual block, the input gradient of the first layer.</summary>
    public readonly struct None : IDenseEpilogue
    {
    }

    /// <summary>MaxMin on row pairs, recording nothing (inference).</summary>
    public readonly struct MaxMin : IDenseEpilogue
    {
    }

    /// <summary>MaxMin on row pairs, recording the swap masks (the training forward pass).</summary>
    public readonly struct MaxMinRecording : IDenseEpilogue
    {
    }

    /// <summary>The gradient routed back through recorded swap masks (the backward pass).</summary>
    public readonly struct MaxMinRoute : IDenseEpilogue
    {
    }
}
