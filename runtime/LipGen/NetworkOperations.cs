using LipGen.Kernels;
using LipGen.Kernels.Batched;

namespace LipGen;

/// <summary>
/// Batch loops over a generated kernel. Generic over the kernel struct, so each network gets its own compiled copy with
/// direct calls into its generated code.
/// </summary>
public static unsafe class NetworkOperations
{
    /// <summary>Below this many samples, the single-sample pass is faster than a padded feature-major tile.</summary>
    private const int SmallBatch = 8;

    /// <summary>
    /// Forward over row-major [batch, inputs] into [batch, outputs], on at most <paramref name="maxDegreeOfParallelism"/>
    /// threads (−1, the default: every core). The batch runs in cache-sized tiles: each tile is transposed to
    /// feature-major, passed through <see cref="ILipschitzInference.ForwardBatch"/> (register-blocked products with the
    /// activation fused in), and transposed back. Tiles go to different threads; a single tile splits its products
    /// instead. Every output is computed by the same operations whatever the thread count.
    /// </summary>
    /// <remarks>Allocation-free once each thread has grown its scratch (a few hundred KB) on first use.</remarks>
    public static void ForwardBatch<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, int maxDegreeOfParallelism = -1)
        where TKernel : struct, ILipschitzInference
    {
        int degree = WorkerPool.Resolve(maxDegreeOfParallelism, nameof(maxDegreeOfParallelism));
        int batch = BatchSize<TKernel>(inputs, nameof(inputs));
        CheckRows(outputs.Length, batch, TKernel.OutputCount, nameof(outputs));
        Guard.Length(parameters, TKernel.ParameterCount, nameof(parameters), TKernel.Description.Name);
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        if (batch < SmallBatch)
        {
            for (int s = 0; s < batch; s++)
                TKernel.Forward(parameters, inputs.Slice(s * n, n), outputs.Slice(s * m, m));
            return;
        }
        int tile = TileColumns<TKernel>();
        int tiles = (batch + tile - 1) / tile;
        fixed (float* p = parameters, x = inputs, y = outputs)
        {
            TileJob<TKernel> job = TileJob<TKernel>.Current ??= new TileJob<TKernel>();
            job.Parameters = p;
            job.Inputs = x;
            job.Outputs = y;
            (job.Batch, job.Tile, job.Tiles) = (batch, tile, tiles);
            if (degree > 1 && tiles > 1)
                WorkerPool.Run(job, Math.Min(degree, tiles));
            else
                using (WorkerPool.Use(degree)) // one tile: its products split their columns instead
                    job.Run(0, 1);
        }
    }

    /// <summary>
    /// Samples per tile: enough to fill the 64-column register blocks many times over, few enough that a layer's input,
    /// output and record for the tile stay in a 1 MB L2 cache.
    /// </summary>
    private static int TileColumns<TKernel>() where TKernel : struct, ILipschitzInference
    {
        int width = Math.Max(Math.Max(TKernel.InputCount, TKernel.OutputCount), TKernel.Description.Plan.MaxHiddenWidth);
        return Math.Clamp(196_608 / (3 * width) / 64 * 64, 64, 512);
    }

    private sealed class TileJob<TKernel> : ParallelJob where TKernel : struct, ILipschitzInference
    {
        [ThreadStatic] public static TileJob<TKernel>? Current;
        [ThreadStatic] private static float[]? t_scratch;
        public float* Parameters, Inputs, Outputs;
        public int Batch, Tile, Tiles;

        public override void Run(int part, int parts)
        {
            int n = TKernel.InputCount, m = TKernel.OutputCount;
            int first = (int)((long)Tiles * part / parts), end = (int)((long)Tiles * (part + 1) / parts);
            int needed = (n + m + TKernel.WorkspaceLength) * Tile;
            Span<float> scratch = Kernels.AlignedBuffer.Get(ref t_scratch, needed);
            var parameters = new ReadOnlySpan<float>(Parameters, TKernel.ParameterCount);
            for (int t = first; t < end; t++)
            {
                int start = t * Tile, count = Math.Min(Tile, Batch - start);
                int columns = (count + BatchLayout.ColumnMultiple - 1) / BatchLayout.ColumnMultiple * BatchLayout.ColumnMultiple;
                Span<float> x = scratch.Slice(0, n * columns), y = scratch.Slice(n * columns, m * columns);
                Span<float> workspace = scratch.Slice((n + m) * columns, TKernel.WorkspaceLength * columns);
                ToColumns(new ReadOnlySpan<float>(Inputs + (long)start * n, count * n), x, n, count, columns);
                TKernel.ForwardBatch(parameters, x, y, columns, workspace);
                float* target = Outputs + (long)start * m;
                for (int k = 0; k < m; k++)
                {
                    ReadOnlySpan<float> row = y.Slice(k * columns, count);
                    for (int s = 0; s < count; s++)
                        target[(long)s * m + k] = row[s];
                }
            }
        }
    }

    /// <summary>
    /// Adds Σ over the batch of ∂L/∂θ to <paramref name="parameterGradient"/>, given row-major ∂L/∂f [batch, outputs].
    /// Runs the recording forward pass of every sample in <paramref name="workspace"/> first.
    /// </summary>
    public static void Backward<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradients,
        Span<float> parameterGradient, Span<float> workspace)
        where TKernel : struct, ILipschitzKernel
    {
        int batch = BatchSize<TKernel>(inputs, nameof(inputs));
        CheckRows(outputGradients.Length, batch, TKernel.OutputCount, nameof(outputGradients));
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        if (batch >= SmallBatch)
        {
            BackwardInTiles<TKernel>(parameters, inputs, outputGradients, parameterGradient, batch);
            return;
        }
        Span<float> output = m <= 1024 ? stackalloc float[m] : new float[m];
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> x = inputs.Slice(s * n, n);
            TKernel.ForwardRecording(parameters, x, output, workspace);
            TKernel.BackwardFromRecording(parameters, x, outputGradients.Slice(s * m, m), parameterGradient, workspace);
        }
    }

    /// <summary>The per-thread scratch of <see cref="BackwardInTiles{TKernel}"/>, grown on first use.</summary>
    [ThreadStatic] private static float[]? t_backwardScratch;

    /// <summary>
    /// <see cref="Backward{TKernel}"/> on the batched kernels, one cache-sized tile after another on this thread: the
    /// training step's register-blocked products instead of a loop over samples. Padding columns have zero output
    /// gradients, so they add nothing.
    /// </summary>
    private static void BackwardInTiles<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradients,
        Span<float> parameterGradient, int batch) where TKernel : struct, ILipschitzKernel
    {
        int n = TKernel.InputCount, m = TKernel.OutputCount, tile = TileColumns<TKernel>();
        int needed = (n + 2 * m + TKernel.WorkspaceLength) * tile;
        Span<float> scratch = Kernels.AlignedBuffer.Get(ref t_backwardScratch, needed);
        for (int start = 0; start < batch; start += tile)
        {
            int count = Math.Min(tile, batch - start);
            int columns = (count + BatchLayout.ColumnMultiple - 1) / BatchLayout.ColumnMultiple * BatchLayout.ColumnMultiple;
            Span<float> x = scratch.Slice(0, n * columns), y = scratch.Slice(n * columns, m * columns);
            Span<float> g = scratch.Slice((n + m) * columns, m * columns);
            Span<float> workspace = scratch.Slice((n + 2 * m) * columns, TKernel.WorkspaceLength * columns);
            ToColumns(inputs.Slice(start * n, count * n), x, n, count, columns);
            ToColumns(outputGradients.Slice(start * m, count * m), g, m, count, columns);
            TKernel.ForwardBatchRecording(parameters, x, y, columns, workspace);
            TKernel.BackwardBatchFromRecording(parameters, x, g, parameterGradient, columns, workspace);
        }
    }

    /// <summary>
    /// Folds the gradient that reached derived regions (AOL's rescaled weights, residual blocks' diagonals) into the parameters
    /// they derive from, and clears it there: the chain rule through the derivation <c>Project</c> runs. Training calls it after
    /// every backward pass; <see cref="Backward{TKernel}"/> leaves the gradient per region, as the network computes with them.
    /// </summary>
    public static void BackpropagateDerived(NetworkDescription description, ReadOnlySpan<float> parameters, Span<float> parameterGradient)
    {
        ArgumentNullException.ThrowIfNull(description);
        Guard.Length(parameters, description.ParameterCount, nameof(parameters), description.Name);
        Guard.Length(parameterGradient, description.ParameterCount, nameof(parameterGradient), description.Name);
        description.Plan.BackpropagateDerived(parameters, parameterGradient);
    }

    /// <summary>Row-major [count × width] samples into feature-major [width × columns], padding columns zeroed.</summary>
    private static void ToColumns(ReadOnlySpan<float> rows, Span<float> matrix, int width, int count, int columns)
    {
        for (int i = 0; i < width; i++)
        {
            Span<float> row = matrix.Slice(i * columns, columns);
            for (int s = 0; s < count; s++)
                row[s] = rows[s * width + i];
            row[count..].Clear();
        }
    }

    private static int BatchSize<TKernel>(ReadOnlySpan<float> inputs, string name) where TKernel : struct, ILipschitzInference
    {
        int n = TKernel.InputCount;
        if (inputs.Length % n != 0)
            throw new ArgumentException($"{name} has {inputs.Length} elements, not a whole number of rows of {n} inputs ({TKernel.Description.Name}).", name);
        return inputs.Length / n;
    }

    private static void CheckRows(int length, int batch, int width, string name)
    {
        if (length != batch * width)
            throw new ArgumentException($"{name} has {length} elements; a batch of {batch} rows of width {width} needs {batch * width}.", name);
    }
}
