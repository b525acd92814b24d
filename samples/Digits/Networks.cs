using LipGen;

namespace Digits;

/// <summary>
/// 8 × 8 digits (pixels scaled to [0, 1]) to 10 class scores, every layer bounded in its spectral norm: 1-Lipschitz from
/// ℓ2 to ℓ2, so certified radii are Euclidean distances in pixel space. GroupSort keeps the gradient norm in ℓ2.
/// </summary>
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Spectral)]
public partial class DigitsNet;

/// <summary>The same architecture with today's default constraint: the first layer's rows in ℓ2, later rows in ℓ1 (∞ → ∞).</summary>
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1)]
public partial class DigitsRowNet;

/// <summary>
/// The same architecture with AOL layers (Prach &amp; Lampert, 2022): each layer runs W·D with D = diag(Σₖ|WᵀW|ⱼₖ)^(−1/2)
/// scaled to λᵢ, so ‖W·D‖₂ ≤ λᵢ holds by construction: no iteration, one Gram matrix a step.
/// </summary>
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Aol)]
public partial class DigitsAolNet;

/// <summary>
/// Deeper: AOL layers with two SLL residual blocks (Araujo et al., 2023) after each hidden layer, each block
/// x − 2W·T⁻¹·ReLU(Wᵀx + b), 1-Lipschitz in ℓ2 by construction.
/// </summary>
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Aol, ResidualBlocks = 2)]
public partial class DigitsSllNet;
