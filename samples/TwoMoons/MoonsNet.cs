using LipGen;

namespace TwoMoons;

/// <summary>The seed post's network: 2 inputs, two hidden layers of 32 with MaxMin, one output, 1-Lipschitz in ℓ1.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class MoonsNet;
