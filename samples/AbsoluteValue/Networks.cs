using LipGen;

namespace AbsoluteValue;

// The same 1-Lipschitz architecture twice; only the activation differs. In one dimension every ℓp norm is |·|.

/// <summary>GroupSort (MaxMin): gradient-norm preserving.</summary>
[LipschitzNetwork(1, 32, 32, 1, GroupSize = 2, P = Norm.Infinity, Lipschitz = 1)]
public partial class GroupSortNet;

/// <summary>ReLU under the same constraint.</summary>
[LipschitzNetwork(1, 32, 32, 1, Activation = Activation.ReLU, P = Norm.Infinity, Lipschitz = 1)]
public partial class ReluNet;
