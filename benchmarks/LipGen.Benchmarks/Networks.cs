using LipGen;

namespace LipGen.Benchmarks;

/// <summary>The README's network: 2-32-32-1, MaxMin, ℓ1 inputs, λ = 1.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class MoonsNet;

// The three sizes of the GEMM issue's table: small (the demo), medium and large, all MaxMin, p = 1, λ = 1.

/// <summary>S = 2-32-32-1: 2 240 dense FLOPs per sample.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class SmallNet;

/// <summary>M = 16-128-128-128-1: 69 888 dense FLOPs per sample.</summary>
[LipschitzNetwork(16, 128, 128, 128, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class MediumNet;

/// <summary>L = 64-512-512-1: 590 848 dense FLOPs per sample.</summary>
[LipschitzNetwork(64, 512, 512, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class LargeNet;
