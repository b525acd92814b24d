// This file is also compiled into the generator (linked), so that the parser reads the attribute by nameof its real
// properties and takes every default from the initialisers below: each default is written once, here.
using System;

namespace LipGen;

/// <summary>
/// Declares a fixed-architecture Lipschitz network. Put it on a <c>partial class</c>; the LipGen source generator expands
/// it at compile time into allocation-free forward, backward, input-gradient and projection code.
/// </summary>
/// <remarks>
/// <para>The network is <c>x → [map] → Dense₁ → σ → [blocks] → Dense₂ → σ → [blocks] → … → Dense_L [+ residual] → [map]</c>: every
/// hidden layer is followed by its <see cref="Activation"/> σ (GroupSort by default, or ReLU) and, with
/// <see cref="ResidualBlocks"/>, by that many SLL residual blocks; the output layer has no activation. The optional input
/// map (<see cref="ScaleInputs"/>), the monotone residual (<see cref="Monotone"/>) and the output map
/// (<see cref="ScaleOutputs"/>) sit at the ends. How each layer is kept
/// within its bound is <see cref="Constraint"/>.</para>
/// <para>Conventions. <see cref="P"/> is the norm of the <em>input</em> space: the network is
/// <see cref="Lipschitz"/>-Lipschitz from (ℝⁿ, ‖·‖_p) to (ℝᵐ, ‖·‖_∞), so for a single output its gradient is bounded in the
/// dual norm q (1/p + 1/q = 1). <see cref="GroupSize"/> is the number of neurons per group (2 = MaxMin, the layer width =
/// FullSort); the seed post and PyTorch's <c>monotonicnetworks</c> pass the number of groups instead.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
#if LIPGEN_GENERATOR
internal sealed class LipschitzNetworkAttribute : Attribute
#else
public sealed class LipschitzNetworkAttribute : Attribute
#endif
{
    /// <summary>Declares the layer widths: input, hidden…, output (at least two numbers).</summary>
    public LipschitzNetworkAttribute(params int[] widths) => Widths = widths;

    /// <summary>The layer widths: input, hidden…, output.</summary>
    public int[] Widths { get; }

    /// <summary>GroupSort group size used by every hidden layer (default 2, MaxMin). Must divide each hidden width.</summary>
    public int GroupSize { get; set; } = 2;

    /// <summary>One GroupSort group size per hidden layer; overrides <see cref="GroupSize"/> when set.</summary>
    public int[]? GroupSizes { get; set; }

    /// <summary>The input-space norm p ≥ 1 (default 2). Use <see cref="Norm.Infinity"/> for the max norm.</summary>
    public double P { get; set; } = 2;

    /// <summary>The Lipschitz bound λ &gt; 0 (default 1).</summary>
    public double Lipschitz { get; set; } = 1;

    /// <summary>
    /// The activation after every hidden layer (default <see cref="LipGen.Activation.GroupSort"/>). ReLU is offered to
    /// show what GroupSort fixes: under the same constraint it loses gradient norm wherever a unit is off.
    /// </summary>
    public Activation Activation { get; set; } = Activation.GroupSort;

    /// <summary>
    /// One monotonicity per input: +1 non-decreasing, −1 non-increasing, 0 free (e.g. <c>new[] { 1, 0, -1, 0 }</c>). The
    /// network becomes f(x) = g(x) + λ·Σᵢ sᵢ·xᵢ (Kitouni, Nolte and Williams), g the constrained network with bound λ; since
    /// |∂g/∂xᵢ| ≤ λ, every sᵢ·∂f/∂xᵢ lies in [0, 2λ], and f is λ·(1 + ‖s‖_q)-Lipschitz in ℓp (2λ for p = 1). One sign
    /// vector applies to every output. With an input map, x here is the mapped input z.
    /// </summary>
    public int[]? Monotone { get; set; }

    /// <summary>
    /// The monotone residual's coefficient c, when it should exceed λ (not set: c = λ). With c &gt; λ the network is
    /// f(x) = g(x) + c·Σᵢ sᵢ·xᵢ, every sᵢ·∂f/∂xᵢ lies in [c − λ, c + λ], so each monotone input has a strictly positive
    /// certified minimum slope, and the network as it runs in float is monotone too for steps above a size the verification
    /// report states. This is the paper's COMPAS network (residual 1.3⁴ over layers of 1.3³). f is then
    /// (λ + c·‖s‖_q)-Lipschitz. Must be at least λ and fit a float; needs <see cref="Monotone"/> (LIPG030).
    /// </summary>
    public double MonotoneResidual { get; set; }

    /// <summary>
    /// Gives the network a fixed per-input affine map z = (x − offset) / scale ahead of its first layer, so it takes its
    /// inputs in their own units (GeV, dollars, millimetres) and every guarantee (certificate, slopes, radii) is stated in
    /// them. Set the values here, or fit them to data with <c>InputMaps.Fit</c> before training; they are stored with the
    /// weights and never trained. Implied by <see cref="InputOffsets"/> or <see cref="InputScales"/>.
    /// </summary>
    public bool ScaleInputs { get; set; }

    /// <summary>
    /// Gives the network a fixed per-output affine map y = offset + scale·g after everything else, so it gives its outputs
    /// (and is trained against targets) in their own units, while λ stays the bound of the core g in standardised units. Fit
    /// the values to the targets with <c>OutputMaps.Fit</c> before training (mean and standard deviation); they are stored
    /// with the weights and never trained. The certificate, slope ranges, radii and float error bound are then in raw output
    /// units per raw input unit: L̂ carries the largest scale, each slope range its output's scale.
    /// </summary>
    public bool ScaleOutputs { get; set; }

    /// <summary>The input map's offsets, one per input (default 0 each). Implies <see cref="ScaleInputs"/>.</summary>
    public double[]? InputOffsets { get; set; }

    /// <summary>The input map's scales, one positive number per input (default 1 each). Implies <see cref="ScaleInputs"/>.</summary>
    public double[]? InputScales { get; set; }

    /// <summary>
    /// How every dense layer is bounded: <see cref="LayerConstraint.RowNorms"/> (the default: the first layer's rows in the
    /// dual norm q, later rows in ℓ1, ‖W‖_{∞→∞}), <see cref="LayerConstraint.Spectral"/> (‖W‖₂ ≤ λᵢ on every layer: ℓ2 → ℓ2
    /// all the way, so GroupSort keeps the Euclidean gradient norm; needs <see cref="P"/> = 2) or
    /// <see cref="LayerConstraint.Aol"/> (W·D rescaled so ‖W·D‖₂ ≤ λᵢ by construction; needs <see cref="P"/> = 2).
    /// </summary>
    public LayerConstraint Constraint { get; set; } = LayerConstraint.RowNorms;

    /// <summary>
    /// SLL residual blocks (Araujo et al., 2023) after every hidden layer (default 0): each is y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b)
    /// at the layer's width, 1-Lipschitz in ℓ2 by construction, so blocks deepen the network without changing its bound. They
    /// need layers bounded in ℓ2: <see cref="LayerConstraint.Spectral"/> or <see cref="LayerConstraint.Aol"/>, with
    /// <see cref="P"/> = 2.
    /// </summary>
    public int ResidualBlocks { get; set; }

    /// <summary>
    /// A safetensors file (written by <c>NetworkFile.Save</c>, or by PyTorch with the same tensor names) to compile into
    /// the assembly. The file must be an <c>AdditionalFiles</c> item of the project; it is matched by its name or by the
    /// end of its path. The class then becomes inference-only: static members over weights that are constant data.
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>
    /// How compiled-in weights (<see cref="Weights"/>) are stored and read by single-sample inference (default
    /// <see cref="Precision.Single"/>). With <see cref="Precision.BFloat16"/> the generator rounds every executed dense weight
    /// toward zero to bfloat16 at build time (scaling spectral layers down where the rounding took their proved bound over
    /// λᵢ), compiles in those values, and <c>Forward</c> reads the 2-byte copy and widens it in registers: half the bytes
    /// per sample, and the certificate, float error bound and every report are those of the rounded weights, which are what
    /// runs. Needs <see cref="Weights"/> (LIPG031); a trained network is converted with <c>BFloat16Network.From</c>.
    /// </summary>
    public Precision WeightPrecision { get; set; } = Precision.Single;
}

/// <summary>How a network's compiled-in dense weights are stored (<see cref="LipschitzNetworkAttribute.WeightPrecision"/>).</summary>
#if LIPGEN_GENERATOR
internal enum Precision
#else
public enum Precision
#endif
{
    /// <summary>32-bit floats, as trained.</summary>
    Single = 0,

    /// <summary>
    /// bfloat16: a float's upper 16 bits (8 significant bits), rounded toward zero; widened exactly to float in registers,
    /// so the network computes in float with the rounded values.
    /// </summary>
    BFloat16 = 1,
}

/// <summary>Activations a generated network can use between its dense layers; both are 1-Lipschitz in every ℓp norm.</summary>
#if LIPGEN_GENERATOR
internal enum Activation
#else
public enum Activation
#endif
{
    /// <summary>Sorts contiguous groups of <see cref="LipschitzNetworkAttribute.GroupSize"/> neurons: gradient-norm preserving.</summary>
    GroupSort = 0,

    /// <summary>max(0, z) per neuron: its gradient is 0 wherever the unit is off.</summary>
    ReLU = 1,
}

/// <summary>How a network's dense layers are bounded (<see cref="LipschitzNetworkAttribute.Constraint"/>).</summary>
#if LIPGEN_GENERATOR
internal enum LayerConstraint
#else
public enum LayerConstraint
#endif
{
    /// <summary>
    /// Row bounds: the first layer's rows in the dual norm q of p (‖W¹‖_{p→∞} ≤ λ₁), every later layer's rows in ℓ1
    /// (‖Wⁱ‖_{∞→∞} ≤ λᵢ). Any p.
    /// </summary>
    RowNorms = 0,

    /// <summary>
    /// The spectral norm of every layer, ‖W‖₂ ≤ λᵢ: ℓ2 → ℓ2 throughout, outputs in ℓ2. Needs p = 2. Sound upper bounds on
    /// ‖W‖₂ are computed from the weights (power iteration, verified by a floating-point Cholesky test with rigorous error
    /// bounds); see docs/verification.md.
    /// </summary>
    Spectral = 1,

    /// <summary>
    /// Almost-orthogonal layers (Prach &amp; Lampert, 2022): every layer runs with W·D, D = diag(λᵢ/√Σₖ|WᵀW|ⱼₖ), so
    /// ‖W·D‖₂ ≤ λᵢ by construction (no iteration, one Gram matrix a step); ℓ2 → ℓ2 throughout. Needs p = 2. W trains free
    /// (a reparametrisation), and the certificate is computed from W·D as the layer runs with it.
    /// </summary>
    Aol = 2,
}

/// <summary>Named values for <see cref="LipschitzNetworkAttribute.P"/>.</summary>
#if LIPGEN_GENERATOR
internal static class Norm
#else
public static class Norm
#endif
{
    /// <summary>ℓ1, the Manhattan norm. The gradient is then bounded in ℓ∞.</summary>
    public const double L1 = 1;

    /// <summary>ℓ2, the Euclidean norm. The gradient is then bounded in ℓ2.</summary>
    public const double L2 = 2;

    /// <summary>ℓ∞, the max norm. The gradient is then bounded in ℓ1.</summary>
    public const double Infinity = double.PositiveInfinity;

    /// <summary>The dual exponent q of p, with 1/p + 1/q = 1 (1 ↔ ∞).</summary>
    public static double Dual(double p) =>
        p == 1 ? double.PositiveInfinity : double.IsPositiveInfinity(p) ? 1 : p / (p - 1);
}
