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
