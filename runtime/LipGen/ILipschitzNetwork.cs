namespace LipGen;

/// <summary>
/// The compile-time-specialised inference of one generated network, as static members of a generated struct: what a network
/// with compiled-in weights has. The runtime takes the struct as a generic argument, so the JIT compiles a separate copy of
/// every hot loop per network, with direct (inlinable) calls: no virtual dispatch, delegates or boxing.
/// </summary>
/// <remarks>All spans are checked for length on entry; nothing here allocates.</remarks>
public interface ILipschitzInference
{
    /// <summary>The declaration and parameter layout.</summary>
    static abstract NetworkDescription Description { get; }

    /// <summary>Input width.</summary>
    static abstract int InputCount { get; }

    /// <summary>Output width.</summary>
    static abstract int OutputCount { get; }

    /// <summary>Number of floats in the parameter buffer.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>Number of floats of scratch the batched pass needs per column (and the training passes per sample).</summary>
    static abstract int WorkspaceLength { get; }

    /// <summary>Inference: writes f(input) to <paramref name="output"/>. Uses only stack scratch; thread-safe.</summary>
    static abstract void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Inference on a mini-batch stored feature-major: <paramref name="inputs"/> is [inputs × columns] (row i holds input i
    /// of every sample), <paramref name="outputs"/> [outputs × columns]. <paramref name="columns"/> is a positive multiple of
    /// <see cref="Kernels.Batched.BatchLayout.ColumnMultiple"/> (pad with zero columns); the workspace needs
    /// <see cref="WorkspaceLength"/> × <paramref name="columns"/> floats. <see cref="NetworkOperations.ForwardBatch"/> runs
    /// it over cache-sized tiles of a row-major batch.
    /// </summary>
    static abstract void ForwardBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, int columns, Span<float> workspace);

    /// <summary>The certificate L̂: the fold of the network's steps over the parameters, in double, rounded outward (<see cref="Verification.CertifiedBound"/>).</summary>
    static abstract double LipschitzBound(ReadOnlySpan<float> parameters);
}

/// <summary>
/// The compile-time-specialised operations of one trainable generated network: inference, and the recording passes, backward
/// passes, input gradient, projection and initialisation training needs.
/// </summary>
/// <remarks>All spans are checked for length on entry; nothing here allocates.</remarks>
public interface ILipschitzKernel : ILipschitzInference
{
    /// <summary>
    /// <see cref="ILipschitzInference.Forward"/> with every dense layer's executed weights read from
    /// <paramref name="weights"/>, their bfloat16 copy (<see cref="BFloat16Network{TKernel}"/> makes it; layout:
    /// <c>Description.Plan</c>'s bfloat16 offsets), and everything else from <paramref name="parameters"/>. Widened in
    /// registers, the weights enter the same operations in the same order, so the output is bit for bit that of
    /// <see cref="ILipschitzInference.Forward"/> on parameters holding the bfloat16 values.
    /// </summary>
    static abstract void ForwardBFloat16(ReadOnlySpan<float> parameters, ReadOnlySpan<ushort> weights, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Like <see cref="ILipschitzInference.Forward"/>, and records the activations the backward pass needs in <paramref name="workspace"/>.</summary>
    static abstract void ForwardRecording(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> workspace);

    /// <summary>
    /// Adds ∂L/∂θ to <paramref name="parameterGradient"/> given ∂L/∂f(input). The workspace must hold the record of a
    /// <see cref="ForwardRecording"/> call with the same parameters and input. Derived regions (AOL's rescaled weights, a
    /// residual block's diagonal) get their own gradient; <c>NetworkOperations.BackpropagateDerived</c> folds it into the
    /// parameters they derive from.
    /// </summary>
    static abstract void BackwardFromRecording(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> parameterGradient, Span<float> workspace);

    /// <summary>Writes the vector–Jacobian product (∂f/∂x)ᵀ·<paramref name="outputGradient"/> at <paramref name="input"/> (∇ₓf for one output and weight 1).</summary>
    static abstract void InputGradient(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, Span<float> workspace);

    /// <summary>
    /// The training forward pass for a mini-batch stored feature-major: <paramref name="inputs"/> is [inputs × columns]
    /// (row i holds input i of every sample), <paramref name="outputs"/> [outputs × columns]. <paramref name="columns"/>
    /// is a positive multiple of <see cref="Kernels.Batched.BatchLayout.ColumnMultiple"/> (pad with zero columns); the workspace needs
    /// <see cref="ILipschitzInference.WorkspaceLength"/> × <paramref name="columns"/> floats and keeps the record for
    /// <see cref="BackwardBatchFromRecording"/>.
    /// </summary>
    static abstract void ForwardBatchRecording(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, int columns, Span<float> workspace);

    /// <summary>
    /// Adds Σ over the batch's columns of ∂L/∂θ to <paramref name="parameterGradient"/>, given feature-major ∂L/∂f
    /// [outputs × columns], from the record of <see cref="ForwardBatchRecording"/> on the same inputs. Padding columns must
    /// have zero output gradients.
    /// </summary>
    static abstract void BackwardBatchFromRecording(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradients,
        Span<float> parameterGradient, int columns, Span<float> workspace);

    /// <summary>
    /// Enforces the Lipschitz constraint (row bounds: rows above their bound rescaled onto it; spectral: rescaled by a sound
    /// bound) and recomputes derived values (AOL's W·D, residual blocks' diagonals).
    /// </summary>
    static abstract void Project(Span<float> parameters);

    /// <summary>Seeded initialisation (see <see cref="Kernels.Initialization"/>), followed by <see cref="Project"/>.</summary>
    static abstract void Initialize(Span<float> parameters, ulong seed);
}

/// <summary>A generated network: its parameters and the operations on them.</summary>
public interface ILipschitzNetwork
{
    /// <summary>The declaration and parameter layout.</summary>
    NetworkDescription Description { get; }

    /// <summary>All parameters in one buffer: per layer W row-major [out, in], then b [out].</summary>
    Span<float> Parameters { get; }

    /// <summary>Writes f(input) to <paramref name="output"/>. Thread-safe, allocation-free.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Forward over row-major [batch, inputs] data into [batch, outputs], on every core. Thread-safe; allocation-free once
    /// each thread has its scratch.
    /// </summary>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>
    /// <see cref="ForwardBatch(ReadOnlySpan{float}, Span{float})"/> on at most <paramref name="maxDegreeOfParallelism"/>
    /// threads (−1: every core). The outputs do not depend on the thread count.
    /// </summary>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int maxDegreeOfParallelism);

    /// <summary>
    /// Adds Σ over the batch of ∂L/∂θ to <paramref name="parameterGradient"/>, given row-major ∂L/∂f [batch, outputs].
    /// Batches of 8 or more run on the batched (GEMM) kernels in cache-sized tiles. Thread-safe, and allocation-free once
    /// each thread has grown its tile scratch.
    /// </summary>
    void Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradients, Span<float> parameterGradient);

    /// <summary>
    /// Writes (∂f/∂x)ᵀ·<paramref name="outputGradient"/> at <paramref name="input"/>; NaN wherever f(input) is not finite.
    /// Thread-safe (the scratch is per call) and allocation-free.
    /// </summary>
    void InputGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

    /// <summary>
    /// Enforces the Lipschitz constraint on the current weights. Rejects NaN or ∞ parameters (naming layer and row) without
    /// changing anything. Mutates the network: not to be run while another thread uses it.
    /// </summary>
    void Project();

    /// <summary>The certificate L̂: ∏ of the layers' operator norms from the current weights, rounded outward (<see cref="Verification.CertifiedBound"/>).</summary>
    double LipschitzBound();

    /// <summary>Re-initialises the parameters from a seed and projects them.</summary>
    void Initialize(ulong seed);
}

/// <summary>A generated network together with its specialised kernel type.</summary>
/// <typeparam name="TKernel">The generated struct that holds the network's static operations.</typeparam>
public interface ILipschitzNetwork<TKernel> : ILipschitzNetwork where TKernel : struct, ILipschitzKernel
{
}
