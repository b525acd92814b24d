using LipGen;

namespace LipGen.Benchmarks;

/// <summary>The README's network: 2-32-32-1, MaxMin, ℓ1 inputs, λ = 1.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class MoonsNet;
