using LipGen;

namespace LipGen.Benchmarks;

/// <summary>The README's network: 2-32-32-1, MaxMin, ℓ1 inputs, λ = 1.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class MoonsNet;

// S, M and L (SmallNet, MediumNet, LargeNet) are in ../Shared/SizeNetworks.cs, which the NativeAOT host harness shares.

/// <summary>X = 64-384-384-1 (172 K weights): a size whose float weights (688 KB) miss a 512 KB L2 and whose bfloat16 ones do not.</summary>
[LipschitzNetwork(64, 384, 384, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class CacheNet;

// Issue 12: the two-moons network with a monotone residual, and with an input map as well (same layers, same p, same λ).

/// <summary>MoonsNet with f = g + λ·x₀ (increasing in the first input, free in the second).</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0, Monotone = new[] { 1, 0 })]
public partial class MonotoneMoonsNet;

/// <summary>MonotoneMoonsNet taking its inputs through the map z = (x − offset) / scale.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0, Monotone = new[] { 1, 0 },
    InputOffsets = new[] { 0.5, 0.25 }, InputScales = new[] { 0.9, 0.5 })]
public partial class MappedMonotoneMoonsNet;

/// <summary>The Monotonic sample's network: 10 raw features through a map, monotone in seven, 10-32-32-1.</summary>
[LipschitzNetwork(10, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, ScaleInputs = true,
    Monotone = new[] { 1, 1, 1, 1, 0, 1, 1, 1, 0, 0 })]
public partial class MonotoneCancerNet;

// Issue 13: the Digits sample's networks, 64-128-128-10, ℓ2.

/// <summary>Spectral layers (‖W‖₂ ≤ λᵢ).</summary>
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Spectral)]
public partial class DigitsNet;

/// <summary>The same with row bounds.</summary>
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1)]
public partial class DigitsRowNet;

// Issue 19: the Digits sample's AOL network and its deeper variant with two SLL residual blocks after each hidden layer.
[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Aol)]
public partial class DigitsAolNet;

[LipschitzNetwork(64, 128, 128, 10, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Aol, ResidualBlocks = 2)]
public partial class DigitsSllNet;
