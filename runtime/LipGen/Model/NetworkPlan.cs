// The one model of a network. This file is compiled into both the runtime and the generator (linked, as dotnet/runtime's
// Regex generator links RegexNode.cs), so parameter offsets, per-layer bounds, the dual exponent q, the per-layer norm rule
// and the workspace layout are computed here and nowhere else. It must compile for netstandard2.0 (the generator's target).
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// A network as an ordered list of typed steps (dense layers and activations), with the layout every pass shares:
/// parameter offsets, the per-layer constraint and bound, q = dual(p) and the workspace.
/// </summary>
/// <remarks>
/// <para>Parameter layout: the dense layers one after another, each as W row-major [out, in] followed by b [out].</para>
/// <para>Workspace layout (floats): for each hidden layer its activations (A) and its activation record (S, ints stored in
/// the float slots); with an input map the mapped input (Z); then two gradient buffers as wide as the widest hidden layer
/// (D0, D1) and the output (O). With an input map, its offsets and scales follow the dense layers' parameters. Batched passes
/// use the same layout with every region <c>columns</c> times as wide.</para>
/// <para>A new kind of step (an input map, an output residual) is a new <see cref="PlanStep"/> subclass built here, with its
/// parameters and workspace placed by <see cref="Build"/>; the generator then gives it an emitter of its own.</para>
/// </remarks>
internal sealed class NetworkPlan
{
    private NetworkPlan(int[] widths, double p, double q, double lipschitz, Activation activation, List<PlanStep> steps, List<DenseStep> dense,
        InputMapStep? inputMap, MonotoneResidualStep? residual, int parameterCount, int maxHiddenWidth, int workspaceStart)
    {
        InputMap = inputMap;
        Residual = residual;
        Widths = widths;
        P = p;
        Q = q;
        Lipschitz = lipschitz;
        Activation = activation;
        Steps = steps;
        DenseLayers = dense;
        ParameterCount = parameterCount;
        MaxHiddenWidth = maxHiddenWidth;
        GradientBuffer0 = workspaceStart;
        GradientBuffer1 = workspaceStart + maxHiddenWidth;
        OutputBuffer = workspaceStart + 2 * maxHiddenWidth;
        WorkspaceLength = OutputBuffer + OutputCount;
    }

    /// <summary>Layer widths: input, hidden…, output.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>The input-space norm p.</summary>
    public double P { get; }

    /// <summary>q, the dual of p (1/p + 1/q = 1): the first layer's rows are bounded in ‖·‖_q.</summary>
    public double Q { get; }

    /// <summary>The declared Lipschitz bound λ.</summary>
    public double Lipschitz { get; }

    /// <summary>The activation after every hidden layer.</summary>
    public Activation Activation { get; }

    /// <summary>Every step in evaluation order: dense, activation, dense, …, dense.</summary>
    public IReadOnlyList<PlanStep> Steps { get; }

    /// <summary>The dense steps alone, in order.</summary>
    public IReadOnlyList<DenseStep> DenseLayers { get; }

    /// <summary>The fixed per-input affine map x ↦ (x − offset) / scale ahead of the first layer, or null.</summary>
    public InputMapStep? InputMap { get; }

    /// <summary>The monotone residual f = g + c·Σᵢ sᵢ·zᵢ after the output layer, or null.</summary>
    public MonotoneResidualStep? Residual { get; }

    /// <summary>Row bounds (the first layer's rows in ℓq, later rows in ℓ1) or spectral norms on every layer.</summary>
    public LayerConstraint LayerConstraint { get; private init; }

    /// <summary>Input width.</summary>
    public int InputCount => Widths[0];

    /// <summary>Output width.</summary>
    public int OutputCount => Widths[Widths.Count - 1];

    /// <summary>Number of floats in the parameter buffer.</summary>
    public int ParameterCount { get; }

    /// <summary>The widest hidden layer (0 without hidden layers): the size of each gradient buffer.</summary>
    public int MaxHiddenWidth { get; }

    /// <summary>Workspace offset of the gradient buffer D0.</summary>
    public int GradientBuffer0 { get; }

    /// <summary>Workspace offset of the gradient buffer D1.</summary>
    public int GradientBuffer1 { get; }

    /// <summary>Workspace offset of the output scratch O.</summary>
    public int OutputBuffer { get; }

    /// <summary>Floats of workspace one sample needs.</summary>
    public int WorkspaceLength { get; }

    /// <summary>The widest layer a network may have: inference keeps two layers of activations on the stack.</summary>
    public const int MaxWidth = 4096;

    /// <summary>The most widths (input, hidden…, output) one network may list, so at most 32 dense layers.</summary>
    public const int MaxWidths = 33;

    /// <summary>
    /// The smallest bound a network may declare or a layer be projected onto: 2⁻¹⁰⁰ (about 7.9·10⁻³¹). Every λᵢ = λ^(1/L)
    /// lies between λ and 1, so it holds for them too. Below it, a row scaled onto its bound would hold weights near the
    /// subnormal floats, where rounding is no longer relative and the projection's margins stop covering it.
    /// </summary>
    public const double MinimumBound = 1.0 / (1L << 50) / (1L << 50);

    /// <summary>The largest: float.MaxValue, so that every λᵢ and the monotone residual's coefficient fit a float.</summary>
    public const double MaximumBound = float.MaxValue;

    /// <summary>Why <paramref name="lipschitz"/> cannot be a network's bound λ, or null when it can.</summary>
    public static string? BoundProblem(double lipschitz) =>
        double.IsNaN(lipschitz) || lipschitz <= 0 ? "λ must be a number greater than 0"
        : lipschitz < MinimumBound ? "λ must be at least 2⁻¹⁰⁰ (about 7.9E-31): each layer's bound λᵢ = λ^(1/L) is a float, and rows scaled onto a smaller one would hold subnormal weights that rounding cannot move"
        : lipschitz > MaximumBound ? "λ must be at most float.MaxValue (about 3.4E+38): the layers' bounds and the monotone residual's coefficient are floats"
        : null;

    /// <summary>λᵢ = λ^(1/L): λ is split evenly over the L dense layers, so ∏λᵢ = λ.</summary>
    public static double LayerBound(double lipschitz, int layerCount) => Math.Pow(lipschitz, 1.0 / layerCount);

    /// <summary>
    /// The plan of a declaration. The per-layer norm rule lives here: the first layer's rows are bounded in ℓq
    /// (‖W¹‖_{p→∞} ≤ λ₁), every later layer's rows in ℓ1 (‖Wⁱ‖_{∞→∞} ≤ λᵢ).
    /// </summary>
    /// <param name="widths">Input, hidden…, output widths (at least two).</param>
    /// <param name="groupSizes">One GroupSort group size per hidden layer (ignored for ReLU).</param>
    /// <param name="p">The input-space norm p ≥ 1.</param>
    /// <param name="lipschitz">The bound λ &gt; 0.</param>
    /// <param name="activation">The activation after every hidden layer.</param>
    /// <param name="monotone">One sign per input (+1 non-decreasing, −1 non-increasing, 0 free), or null: no residual.</param>
    /// <param name="inputOffsets">The input map's initial offsets, or null (0 each if <paramref name="inputScales"/> is set).</param>
    /// <param name="inputScales">The input map's initial scales, or null (1 each if <paramref name="inputOffsets"/> is set).
    /// With both null the network has no input map.</param>
    /// <param name="constraint">Row bounds (the default) or spectral norms, which need p = 2.</param>
    public static NetworkPlan Build(int[] widths, int[] groupSizes, double p, double lipschitz, Activation activation,
        int[]? monotone = null, double[]? inputOffsets = null, double[]? inputScales = null, LayerConstraint constraint = LayerConstraint.RowNorms)
    {
        if (widths is null)
            throw new ArgumentNullException(nameof(widths));
        if (groupSizes is null)
            throw new ArgumentNullException(nameof(groupSizes));
        if (widths.Length < 2)
            throw new ArgumentException("A network needs at least an input and an output width.", nameof(widths));
        if (widths.Length > MaxWidths)
            throw new ArgumentException($"A network lists at most {MaxWidths} widths; got {widths.Length}.", nameof(widths));
        for (int i = 0; i < widths.Length; i++)
            if (widths[i] < 1 || widths[i] > MaxWidth)
                throw new ArgumentOutOfRangeException(nameof(widths), widths[i], $"Width {i} is {widths[i]}; every width must be between 1 and {MaxWidth}.");
        if (groupSizes.Length != widths.Length - 2)
            throw new ArgumentException($"Expected {widths.Length - 2} group sizes (one per hidden layer), got {groupSizes.Length}.", nameof(groupSizes));

        if (activation is not (Activation.GroupSort or Activation.ReLU))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        for (int i = 0; activation == Activation.GroupSort && i < groupSizes.Length; i++)
            if (groupSizes[i] < 1 || widths[i + 1] % groupSizes[i] != 0)
                throw new ArgumentException($"Group size {groupSizes[i]} of hidden layer {i + 1} must be at least 1 and divide its width {widths[i + 1]}.", nameof(groupSizes));
        if (monotone is not null && monotone.Length != widths[0])
            throw new ArgumentException($"Expected {widths[0]} monotone signs (one per input), got {monotone.Length}.", nameof(monotone));
        if (monotone is not null && Array.Exists(monotone, s => s is < -1 or > 1))
            throw new ArgumentException("Every monotone sign must be -1, 0 or 1.", nameof(monotone));
        foreach (double[]? values in new[] { inputOffsets, inputScales })
            if (values is not null && values.Length != widths[0])
                throw new ArgumentException($"Expected {widths[0]} input offsets and scales (one per input), got {values.Length}.", nameof(inputOffsets));

        if (BoundProblem(lipschitz) is { } problem)
            throw new ArgumentOutOfRangeException(nameof(lipschitz), lipschitz, $"λ = {lipschitz} cannot be a network's bound: {problem}.");
        if (!(p >= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be a number ≥ 1 (or ∞).");
        if (constraint == LayerConstraint.Spectral && p != 2)
            throw new ArgumentException($"Spectral layers bound ℓ2 → ℓ2, so they need p = 2 (got {p}).", nameof(constraint));
        if (constraint is not (LayerConstraint.RowNorms or LayerConstraint.Spectral))
            throw new ArgumentOutOfRangeException(nameof(constraint), constraint, "Unknown layer constraint.");

        int layerCount = widths.Length - 1;
        double layerBound = LayerBound(lipschitz, layerCount);
        double q = Norm.Dual(p);
        var firstLayer = new RowNormConstraint(q, isDualOfP: true);
        var laterLayers = new RowNormConstraint(1, isDualOfP: false);
        var steps = new List<PlanStep>(2 * layerCount - 1);
        var dense = new List<DenseStep>(layerCount);
        int parameters = 0, workspace = 0, maxHidden = 0;
        ActivationStep? previous = null;
        for (int i = 0; i < layerCount; i++)
        {
            int inputs = widths[i], outputs = widths[i + 1];
            var layer = new DenseStep(i + 1, inputs, outputs, parameters, parameters + inputs * outputs,
                i == 0 ? firstLayer : laterLayers, layerBound, previous);
            steps.Add(layer);
            dense.Add(layer);
            parameters += inputs * outputs + outputs;
            if (i == layerCount - 1)
                break;
            // Hidden layer: its activations, then its activation record.
            previous = new ActivationStep(layer, activation, activation == Activation.GroupSort ? groupSizes[i] : 0, workspace, workspace + outputs);
            layer.Activation = previous;
            steps.Add(previous);
            workspace += 2 * outputs;
            maxHidden = Math.Max(maxHidden, outputs);
        }

        // The input map's offsets and scales follow the dense layers (so a network without one keeps its layout), and the
        // mapped input z, which the first layer and the residual read, follows the hidden layers' regions.
        InputMapStep? map = null;
        if (inputOffsets is not null || inputScales is not null)
        {
            int n = widths[0];
            map = new InputMapStep(n, parameters, parameters + n, workspace,
                inputOffsets is null ? new double[n] : (double[])inputOffsets.Clone(),
                inputScales is null ? Filled(n, 1.0) : (double[])inputScales.Clone());
            steps.Insert(0, map);
            parameters += 2 * n;
            workspace += n;
        }
        MonotoneResidualStep? residual = null;
        if (monotone is not null)
        {
            residual = new MonotoneResidualStep((int[])monotone.Clone(), ResidualCoefficient(lipschitz), widths[widths.Length - 1]);
            steps.Add(residual);
        }
        if (constraint == LayerConstraint.Spectral)
        {
            // Every layer bounded in ‖W‖₂, with a region after the other parameters for its power-iteration vector.
            for (int i = 0; i < dense.Count; i++)
            {
                int length = Math.Min(dense[i].Inputs, dense[i].Outputs);
                dense[i].Constraint = new SpectralConstraint(parameters, length);
                parameters += length;
            }
        }
        return new NetworkPlan((int[])widths.Clone(), p, q, lipschitz, activation, steps, dense, map, residual, parameters, maxHidden, workspace)
        {
            LayerConstraint = constraint,
        };
    }

    /// <summary>
    /// c, the residual's coefficient as the network runs: λ rounded up to the nearest float, so that c ≥ λ and every input the
    /// declaration makes monotone stays monotone after the rounding.
    /// </summary>
    public static float ResidualCoefficient(double lipschitz)
    {
        float c = (float)lipschitz;
        if (c < lipschitz)
            c = BitConverter.ToSingle(BitConverter.GetBytes(BitConverter.ToInt32(BitConverter.GetBytes(c), 0) + 1), 0); // one float up (netstandard2.0 has no SingleToInt32Bits)
        return c;
    }

    private static double[] Filled(int length, double value)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
            values[i] = value;
        return values;
    }
}

/// <summary>One step of a <see cref="NetworkPlan"/>.</summary>
internal abstract class PlanStep
{
}

/// <summary>A dense layer z = W·a + b with W row-major [Outputs, Inputs], and the constraint it is projected onto.</summary>
internal sealed class DenseStep : PlanStep
{
    public DenseStep(int number, int inputs, int outputs, int weightOffset, int biasOffset, WeightConstraint constraint, double bound, ActivationStep? input)
    {
        Number = number;
        Inputs = inputs;
        Outputs = outputs;
        WeightOffset = weightOffset;
        BiasOffset = biasOffset;
        Constraint = constraint;
        Bound = bound;
        Input = input;
    }

    /// <summary>1-based layer number.</summary>
    public int Number { get; }

    /// <summary>Width of the layer's input (columns of W).</summary>
    public int Inputs { get; }

    /// <summary>Width of the layer's output (rows of W).</summary>
    public int Outputs { get; }

    /// <summary>Offset of W in the parameter buffer.</summary>
    public int WeightOffset { get; }

    /// <summary>Offset of b in the parameter buffer.</summary>
    public int BiasOffset { get; }

    /// <summary>Number of weights: Outputs × Inputs.</summary>
    public int WeightCount => Inputs * Outputs;

    /// <summary>The norm W is bounded in.</summary>
    public WeightConstraint Constraint { get; internal set; }

    /// <summary>λᵢ: the bound on W in the constraint's operator norm.</summary>
    public double Bound { get; }

    /// <summary>The activation whose output this layer reads, or null for the first layer (it reads the network's input).</summary>
    public ActivationStep? Input { get; }

    /// <summary>The activation after this layer, or null for the output layer.</summary>
    public ActivationStep? Activation { get; internal set; }

    /// <summary>True for the first layer.</summary>
    public bool IsFirst => Input is null;

    /// <summary>True for every layer but the output layer.</summary>
    public bool IsHidden => Activation is not null;
}

/// <summary>The activation after a hidden dense layer, in place on that layer's output.</summary>
internal sealed class ActivationStep : PlanStep
{
    public ActivationStep(DenseStep layer, Activation kind, int groupSize, int activationOffset, int recordOffset)
    {
        Layer = layer;
        Kind = kind;
        GroupSize = groupSize;
        ActivationOffset = activationOffset;
        RecordOffset = recordOffset;
    }

    /// <summary>The dense layer this activation follows.</summary>
    public DenseStep Layer { get; }

    /// <summary>GroupSort or ReLU.</summary>
    public Activation Kind { get; }

    /// <summary>GroupSort group size; 0 for ReLU.</summary>
    public int GroupSize { get; }

    /// <summary>Width: the dense layer's outputs.</summary>
    public int Width => Layer.Outputs;

    /// <summary>Workspace offset of the activations (A).</summary>
    public int ActivationOffset { get; }

    /// <summary>Workspace offset of the record the backward pass routes gradients with (S).</summary>
    public int RecordOffset { get; }
}

/// <summary>
/// The fixed per-input affine map z = (x − offset) / scale, first in the plan: the layers see z, while the user, the
/// certificate and every guarantee see x, the input in its own units. The offsets and scales are parameters (so they are saved,
/// exported and compiled in with the weights) that training never changes; every scale must be finite and positive.
/// </summary>
internal sealed class InputMapStep : PlanStep
{
    public InputMapStep(int inputs, int offsetOffset, int scaleOffset, int mappedOffset, double[] initialOffsets, double[] initialScales)
    {
        Inputs = inputs;
        OffsetOffset = offsetOffset;
        ScaleOffset = scaleOffset;
        MappedOffset = mappedOffset;
        InitialOffsets = initialOffsets;
        InitialScales = initialScales;
    }

    /// <summary>Number of inputs.</summary>
    public int Inputs { get; }

    /// <summary>Offset of the offsets [inputs] in the parameter buffer.</summary>
    public int OffsetOffset { get; }

    /// <summary>Offset of the scales [inputs] in the parameter buffer.</summary>
    public int ScaleOffset { get; }

    /// <summary>Workspace offset of the mapped input z (Z).</summary>
    public int MappedOffset { get; }

    /// <summary>The declared offsets (0 where not declared): what initialisation writes.</summary>
    public IReadOnlyList<double> InitialOffsets { get; }

    /// <summary>The declared scales (1 where not declared).</summary>
    public IReadOnlyList<double> InitialScales { get; }

    /// <summary>The smallest scale the map accepts: the smallest normal float (about 1.2·10⁻³⁸).</summary>
    public const float MinimumScale = 1.17549435E-38f;

    /// <summary>
    /// Why <paramref name="scale"/> cannot be a scale of the map, or null when it can: it must be a finite, normal, positive
    /// float. The map divides by it, so a negative scale would reverse the input's direction, and a subnormal one would
    /// overflow z for inputs a few thousandths from the offset while the certificate still read finite. One rule for the
    /// attribute, InputMaps, a loaded file, compiled-in weights and the projection's check.
    /// </summary>
    public static string? ScaleProblem(float scale) =>
        !(scale > 0) ? "a scale must be greater than 0 (the map divides by it, and a negative one would reverse the input's direction)"
        : float.IsInfinity(scale) ? "a scale must be a finite float"
        : scale < MinimumScale ? "a scale must be at least 1.2E-38, the smallest normal float (dividing by a subnormal one overflows z = (x − offset) / scale for inputs a few thousandths from the offset)"
        : null;

    /// <summary>True when <see cref="ScaleProblem"/> finds nothing wrong.</summary>
    public static bool IsValidScale(float scale) => scale >= MinimumScale && !float.IsInfinity(scale);
}

/// <summary>
/// The monotone residual of Kitouni, Nolte and Williams, last in the plan: every output gets c·Σᵢ sᵢ·zᵢ added, where z is the
/// (mapped) input, s the declared signs and c ≥ λ the declared λ as a float. Since |∂g/∂zᵢ| ≤ λ for the constrained part g,
/// sᵢ·∂f/∂zᵢ ≥ c − λ ≥ 0. It has no parameters of its own.
/// </summary>
internal sealed class MonotoneResidualStep : PlanStep
{
    public MonotoneResidualStep(int[] signs, float coefficient, int outputs)
    {
        Signs = signs;
        Coefficient = coefficient;
        Outputs = outputs;
    }

    /// <summary>One sign per input: +1 non-decreasing, −1 non-increasing, 0 free.</summary>
    public IReadOnlyList<int> Signs { get; }

    /// <summary>c: λ rounded up to a float.</summary>
    public float Coefficient { get; }

    /// <summary>The number of outputs it is added to (every output gets the same term).</summary>
    public int Outputs { get; }

    /// <summary>Number of inputs.</summary>
    public int Inputs => Signs.Count;

    /// <summary>The number of monotone inputs (non-zero signs).</summary>
    public int MonotoneCount
    {
        get
        {
            int count = 0;
            for (int i = 0; i < Signs.Count; i++)
                count += Signs[i] != 0 ? 1 : 0;
            return count;
        }
    }
}

/// <summary>The constraint a dense layer's weights are kept in. Each kind is a subclass.</summary>
internal abstract class WeightConstraint
{
    /// <summary>The norm of the layer's output space its bound is stated in (∞ for row bounds, 2 for spectral).</summary>
    public abstract double OutputNorm { get; }

    /// <summary>The dual of <see cref="OutputNorm"/>: the norm a row difference w_y − w_j of the next layer is measured in.</summary>
    public double OutputDual => Norm.Dual(OutputNorm);
}

/// <summary>
/// ‖W‖₂ ≤ λᵢ, the largest singular value: ℓ2 → ℓ2, for networks declared with <c>Constraint = LayerConstraint.Spectral</c>
/// (p = 2). The projection and the certificate use a sound upper bound on ‖W‖₂ from the weights (<c>SpectralNorms</c>).
/// </summary>
internal sealed class SpectralConstraint : WeightConstraint
{
    public SpectralConstraint(int stateOffset, int stateLength)
    {
        StateOffset = stateOffset;
        StateLength = stateLength;
    }

    /// <summary>Offset, in the parameter buffer, of the power-iteration vector the projection keeps between steps.</summary>
    public int StateOffset { get; }

    /// <summary>Its length: the smaller of the layer's two sides.</summary>
    public int StateLength { get; }

    public override double OutputNorm => 2;
}

/// <summary>
/// Every row of W has ‖row‖_q ≤ λᵢ. The largest row norm is the operator norm ‖W‖_{p→∞} for the dual pair (p, q); with q = 1
/// it is ‖W‖_{∞→∞}.
/// </summary>
internal sealed class RowNormConstraint : WeightConstraint
{
    public RowNormConstraint(double q, bool isDualOfP)
    {
        Q = q;
        IsDualOfP = isDualOfP;
    }

    /// <summary>The norm every row is bounded in.</summary>
    public double Q { get; }

    /// <summary>True when q is the dual of the declared p (the first layer); false for the ℓ1 rows of later layers.</summary>
    public bool IsDualOfP { get; }

    public override double OutputNorm => double.PositiveInfinity;
}
