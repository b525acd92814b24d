namespace LipGen;

/// <summary>
/// Batch loops over a generated kernel. Generic over the kernel struct, so each network gets its own compiled copy with
/// direct calls into its generated code.
/// </summary>
public static class NetworkOperations
{
    /// <summary>Forward over row-major [batch, inputs] into [batch, outputs].</summary>
    public static void ForwardBatch<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TKernel : struct, ILipschitzKernel
    {
        int batch = BatchSize<TKernel>(inputs, nameof(inputs));
        CheckRows(outputs.Length, batch, TKernel.OutputCount, nameof(outputs));
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        for (int s = 0; s < batch; s++)
            TKernel.Forward(parameters, inputs.Slice(s * n, n), outputs.Slice(s * m, m));
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
        Span<float> output = m <= 1024 ? stackalloc float[m] : new float[m];
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> x = inputs.Slice(s * n, n);
            TKernel.ForwardRecording(parameters, x, output, workspace);
            TKernel.BackwardFromRecording(parameters, x, outputGradients.Slice(s * m, m), parameterGradient, workspace);
        }
    }

    private static int BatchSize<TKernel>(ReadOnlySpan<float> inputs, string name) where TKernel : struct, ILipschitzKernel
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
