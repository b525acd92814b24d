using LipGen;

namespace EmbeddedInference;

/// <summary>The demo's hinge-trained two-moons network, its weights compiled in from moons.safetensors.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Weights = "moons.safetensors")]
public static partial class EmbeddedMoons;

/// <summary>
/// The same file compiled in with bfloat16 weights: rounded toward zero at build time, read as 2 bytes each by Forward. Its
/// certificate is that of the rounded weights, which are what runs.
/// </summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Weights = "moons.safetensors", WeightPrecision = Precision.BFloat16)]
public static partial class EmbeddedMoonsBFloat16;
