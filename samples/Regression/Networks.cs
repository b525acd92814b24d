using LipGen;

namespace Regression;

/// <summary>
/// Disease progression a year after baseline from the ten baseline variables of the diabetes data, all in their own units
/// (years, kg/m², blood pressure, serum measurements). The input map standardises the features and the output map the
/// target inside the network, so λ = 1 bounds the standardised core while every guarantee is stated in raw units. By
/// declaration the prediction never falls as body-mass index, blood pressure, serum triglycerides (ltg) or blood sugar
/// (glu) rise: the directions clinicians expect. The residual's coefficient 1.05 exceeds λ, so each certified slope of those
/// four inputs stays at least 0.05 per standardised unit above 0, and the report can say from which step on the float
/// network is monotone too.
/// </summary>
[LipschitzNetwork(10, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, ScaleInputs = true, ScaleOutputs = true,
    Monotone = new[] { 0, 0, 1, 1, 0, 0, 0, 0, 1, 1 }, MonotoneResidual = 1.05)]
public partial class DiabetesNet;

/// <summary>The same network without <c>Monotone</c>: its unconstrained twin.</summary>
[LipschitzNetwork(10, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, ScaleInputs = true, ScaleOutputs = true)]
public partial class DiabetesTwin;

/// <summary>
/// The monotone network without <c>ScaleOutputs</c>: the trap the output map removes. Its λ = 1 now bounds raw
/// progression per standardised input, and the targets span hundreds of units, so it cannot fit them; training says so.
/// </summary>
[LipschitzNetwork(10, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, ScaleInputs = true,
    Monotone = new[] { 0, 0, 1, 1, 0, 0, 0, 0, 1, 1 }, MonotoneResidual = 1.05)]
public partial class DiabetesUnscaledNet;
