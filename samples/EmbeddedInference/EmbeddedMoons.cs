using LipGen;

namespace EmbeddedInference;

/// <summary>The demo's hinge-trained two-moons network, its weights compiled in from moons.safetensors.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Weights = "moons.safetensors")]
public static partial class EmbeddedMoons;
