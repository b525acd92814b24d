using LipGen;

namespace Monotonic;

/// <summary>
/// The ten "mean" nuclear features of the Wisconsin diagnostic data, in their own units (radius in pixels, area in pixels²,
/// …), mapped inside the network by (x − mean) / spread. The output rises with malignancy, and by declaration it never
/// falls as the nuclei get larger (radius, perimeter, area), coarser (texture) or less regular (compactness, concavity,
/// concave points): the domain knowledge a pathologist would insist on. p = 1 bounds each input's slope by λ on its own.
/// </summary>
[LipschitzNetwork(10, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, ScaleInputs = true,
    Monotone = new[] { 1, 1, 1, 1, 0, 1, 1, 1, 0, 0 })]
public partial class MonotoneCancerNet;

/// <summary>The same network without <c>Monotone</c>: its unconstrained twin.</summary>
[LipschitzNetwork(10, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, ScaleInputs = true)]
public partial class CancerNet;
