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

    /// <summary>z[o, ·] = b[o] + Σᵢ W[o, i]·a[i, ·].</summary>
    public static void Forward(ref float weights, ref float bias, ref float input, ref float output, int outputs, int inputs, int columns) =>
        Product<NoEpilogue>(ref weights, inputs, 1, ref bias, true, ref input, ref output, ref Unsafe.NullRef<int>(), outputs, inputs, columns);

    /// <summary>
    /// z = W·a + b, then MaxMin on row pairs (GroupSort of size 2), on each register block before it is stored; with
    /// <paramref name="recording"/>, the swap masks go to <paramref name="swapped"/> (one row per pair) for the backward pass.
    /// </summary>
    public static void ForwardMaxMin(ref float weights, ref float bias, ref float input, ref float output, ref int swapped, int outputs, int inputs, int columns, bool recording)
    {
        if (recording)
            Product<MaxMinEpilogue<MaxMin.Order>>(ref weights, inputs, 1, ref bias, true, ref input, ref output, ref swapped, outputs, inputs, columns);
        else
            Product<MaxMinEpilogue<MaxMin.Sort>>(ref weights, inputs, 1, ref bias, true, ref input, ref output, ref swapped, outputs, inputs, columns);
    }

    /// <summary>∂a[i, ·] = Σ_o W[o, i]·δ[o, ·]: the product with Wᵀ, whose rows are W's columns.</summary>
    public static void BackpropagateInput(ref float weights, ref float delta, ref float inputGradient, int outputs, int inputs, int columns) =>
        Product<NoEpilogue>(ref weights, 1, inputs, ref Unsafe.NullRef<float>(), false, ref delta, ref inputGradient, ref Unsafe.NullRef<int>(), inputs, outputs, columns);

    /// <summary>∂a = Wᵀ·δ, then routed back through the recorded MaxMin that produced a: the gradient reaching the layer before.</summary>
    public static void BackpropagateInputMaxMin(ref float weights, ref float delta, ref int swapped, ref float inputGradient, int outputs, int inputs, int columns) =>
        Product<MaxMinEpilogue<MaxMin.Route>>(ref weights, 1, inputs, ref Unsafe.NullRef<float>(), false, ref delta, ref inputGradient, ref swapped, inputs, outputs, columns);

    /// <summary>∂W[o, i] += Σ_s δ[o, s]·a[i, s] and ∂b[o] += Σ_s δ[o, s].</summary>
    public static void AccumulateGradients(ref float weightGradient, ref float biasGradient, ref float delta, ref float input, int outputs, int inputs, int columns)
    {
        int parts = Parts((long)outputs * inputs * columns, outputs / 4);
        if (parts <= 1)
        {
            Gemm.OuterProduct(ref weightGradient, ref biasGradient, ref delta, ref input, inputs, columns, columns, 0, outputs);
            return;
        }
        fixed (float* g = &weightGradient, gb = &biasGradient, d = &delta, x = &input)
        {
            OuterProductJob job = OuterProductJob.Current ??= new OuterProductJob();
            job.G = g;
            job.GB = gb;
            job.D = d;
            job.X = x;
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
            panels = ref Gemm.Grow(ref t_panels, rows / 4 * 4 * depth);
            Gemm.PackPanels(ref w, rowStride, depthStride, ref panels, rows / 4 * 4, depth);
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

    /// <summary>How many threads a product of this size gets: the caller's degree, capped by the pieces it can be cut into.</summary>
    private static int Parts(long multiplyAdds, int pieces) =>
        multiplyAdds < ParallelThreshold ? 1 : Math.Max(1, Math.Min(WorkerPool.Degree, pieces));

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
