using LipGen;

// Declarations the tests run: every p the generator special-cases plus a general one, MaxMin, larger groups and FullSort,
// depths 1 to 4, widths that are not multiples of any vector width, block and file-scoped namespaces, nesting,
// internal and public types.
namespace LipGen.Tests.Networks
{
    [LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
    public partial class MoonsNet;

    [LipschitzNetwork(5, 12, 8, 3, GroupSizes = new[] { 4, 8 }, P = Norm.L2, Lipschitz = 2.5)]
    internal partial class EuclideanNet;

    [LipschitzNetwork(3, 6, 2, GroupSize = 3, P = Norm.Infinity, Lipschitz = 0.5)]
    public partial class MaxNormNet;

    [LipschitzNetwork(4, 2, P = 1.5, Lipschitz = 3)]
    public partial class LinearNet;

    // Narrow layers with at least 16 rows (1, 4 and 8 inputs) take the 16-row block kernels.
    [LipschitzNetwork(4, 16, 8, 32, 2, GroupSizes = new[] { 2, 4, 2 }, P = Norm.L2, Lipschitz = 1)]
    public partial class NarrowNet;

    // Wide enough that a batch's products split between threads (the benchmarks' M network).
    [LipschitzNetwork(16, 128, 128, 128, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1)]
    public partial class WideNet;

    [LipschitzNetwork(1, 48, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 2)]
    public partial class ScalarInputNet;

    // ReLU instead of GroupSort, same constraint.
    [LipschitzNetwork(3, 24, 10, 2, Activation = Activation.ReLU, P = Norm.L2, Lipschitz = 1.5)]
    public partial class ReluNet;

    // The guarantees probe's network: deep, general p, λ ≠ 1. At inputs around 10⁴ its float difference quotients reach
    // 1.39 × L̂ over short distances, which the float error bound has to explain.
    [LipschitzNetwork(3, 28, 4, 16, 44, 3, GroupSizes = new[] { 4, 4, 4, 4 }, P = 3, Lipschitz = 4)]
    public partial class AwkwardNet;

    // A monotone residual (Kitouni, Nolte and Williams): increasing in input 0, decreasing in input 2, free in 1 and 3.
    [LipschitzNetwork(4, 16, 16, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.5, Monotone = new[] { 1, 0, -1, 0 })]
    public partial class MonotoneNet;

    // Inputs in their own units through a declared map, a residual over several outputs, and the Euclidean norm.
    [LipschitzNetwork(3, 8, 8, 2, GroupSize = 4, P = Norm.L2, Lipschitz = 0.8, Monotone = new[] { 1, -1, 0 },
        InputOffsets = new[] { 100.0, -2.0, 0.5 }, InputScales = new[] { 25.0, 0.5, 1.0 })]
    public partial class MappedMonotoneNet;

    // MonotoneNet's twin without the residual: what the monotonicity search must catch.
    [LipschitzNetwork(4, 16, 16, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.5)]
    public partial class MonotoneTwinNet;

    // A map to be fitted to data (identity until then), without a residual.
    [LipschitzNetwork(2, 20, 1, GroupSize = 2, P = Norm.Infinity, Lipschitz = 1, ScaleInputs = true)]
    public partial class MappedNet;

    // Raw targets through an output map, with an input map and monotone inputs: regression in its own units.
    [LipschitzNetwork(3, 16, 16, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Monotone = new[] { 1, 0, -1 }, MonotoneResidual = 1.5,
        ScaleInputs = true, ScaleOutputs = true)]
    public partial class RawRegressionNet;

    // An output map over several outputs with ℓ2 layers: the class-pair bounds and the ℓ2 error route through the map.
    [LipschitzNetwork(4, 12, 12, 3, GroupSize = 4, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Spectral, ScaleOutputs = true)]
    public partial class MappedOutputsNet;

    // Several classes under ℓ1 inputs, for the class-pair bounds and radii.
    [LipschitzNetwork(4, 16, 16, 3, GroupSize = 2, P = Norm.L1, Lipschitz = 1)]
    public partial class MulticlassL1Net;

    // One layer, three classes, ℓ2: its class-pair bounds are exact.
    [LipschitzNetwork(3, 3, P = Norm.L2, Lipschitz = 1)]
    public partial class LinearEuclideanNet;

    // Spectral layers: ‖W‖₂ ≤ λᵢ everywhere, ℓ2 → ℓ2, several classes.
    [LipschitzNetwork(6, 16, 12, 4, GroupSizes = new[] { 2, 4 }, P = Norm.L2, Lipschitz = 1.5, Constraint = LayerConstraint.Spectral)]
    public partial class SpectralNet;

    // AOL layers (W·D rescaled by construction), ℓ2, several classes.
    [LipschitzNetwork(6, 16, 12, 3, GroupSize = 2, P = Norm.L2, Lipschitz = 1.5, Constraint = LayerConstraint.Aol)]
    public partial class AolNet;

    // Spectral layers with two SLL residual blocks after each hidden layer.
    [LipschitzNetwork(5, 8, 8, 2, GroupSizes = new[] { 2, 4 }, P = Norm.L2, Lipschitz = 1.2, Constraint = LayerConstraint.Spectral, ResidualBlocks = 2)]
    public partial class BlockNet;

    // Every kind at once: an input map, AOL layers, a residual block and a monotone residual.
    [LipschitzNetwork(3, 8, 1, GroupSize = 2, P = Norm.L2, Lipschitz = 0.8, Constraint = LayerConstraint.Aol, ResidualBlocks = 1,
        Monotone = new[] { 1, 0, -1 }, InputOffsets = new[] { 10.0, 0.0, -1.0 }, InputScales = new[] { 4.0, 1.0, 0.5 })]
    public partial class AolBlockMonotoneNet;

    // The probe's Björck case: a two-moons network with spectral layers, trained with one or two Björck steps.
    [LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Spectral)]
    public partial class SpectralMoonsNet;

    // MoonsNet's shape at other bounds: a file saved at λ = 1 loads into the larger one as it is, into the smaller one projected.
    [LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 100)]
    public partial class LooseMoonsNet;

    [LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 0.5)]
    public partial class TightMoonsNet;

    // AolNet at another λ: AOL rescales to λᵢ, so its files load only at their own λ.
    [LipschitzNetwork(6, 16, 12, 3, GroupSize = 2, P = Norm.L2, Lipschitz = 3, Constraint = LayerConstraint.Aol)]
    public partial class LooseAolNet;

    // The paper's COMPAS arrangement: layers of 1.3³, a residual of 1.3⁴, so each monotone slope is at least 1.3⁴ − 1.3³.
    [LipschitzNetwork(4, 16, 16, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 2.197, Monotone = new[] { 1, 0, -1, 0 }, MonotoneResidual = 2.8561)]
    public partial class MarginMonotoneNet;

    public static partial class Outer
    {
        internal partial class Inner
        {
            [LipschitzNetwork(7, 40, 24, 18, 2, GroupSize = 2, P = 3, Lipschitz = 1.7)]
            internal partial class DeepNet;
        }
    }
}
