namespace LipGen;

/// <summary>One dense layer of a generated network and the constraint it is kept in.</summary>
/// <param name="Inputs">Width of the layer's input.</param>
/// <param name="Outputs">Width of the layer's output (rows of W).</param>
/// <param name="WeightOffset">Offset of the trained W, row-major [Outputs, Inputs], in the parameter buffer.</param>
/// <param name="BiasOffset">Offset of b [Outputs] in the parameter buffer.</param>
/// <param name="Constraint">How W is bounded: row norms, its spectral norm, or AOL's rescale.</param>
/// <param name="RowNorm">With row bounds, the norm every row of W is bounded in: the dual q of p for the first layer, 1 (ℓ1)
/// after it; NaN for the other constraints, which bound W as a whole in ℓ2 → ℓ2.</param>
/// <param name="Bound">λᵢ: ‖W‖ ≤ λᵢ in the layer's operator norm.</param>
/// <param name="Activation">The activation after this layer, or null for the output layer (none).</param>
/// <param name="GroupSize">GroupSort group size after this layer; 0 when the activation is not GroupSort.</param>
/// <param name="ExecutedWeightOffset">Offset of the weights the layer runs with: <paramref name="WeightOffset"/>, or for AOL
/// the rescaled W·D derived from it.</param>
public readonly record struct LayerShape(int Inputs, int Outputs, int WeightOffset, int BiasOffset, LayerConstraint Constraint, double RowNorm,
    double Bound, Activation? Activation, int GroupSize, int ExecutedWeightOffset);

/// <summary>Static metadata of a generated network: its declaration and its parameter layout.</summary>
/// <remarks>
/// A public view of the network's plan (the one model generator and runtime share; see docs/architecture.md). Parameter
/// layout: the layers one after another, each as W row-major [out, in] followed by b [out]; then residual blocks, the input
/// map, projection state and derived values. λ is split evenly: λᵢ = λ^(1/L) for each of the L dense layers, so ∏λᵢ = λ.
/// </remarks>
public sealed class NetworkDescription
{
    private readonly LayerShape[] _layers;
    private readonly int[] _monotone, _widths;

    /// <summary>
    /// The description of a network named <paramref name="name"/> with <paramref name="declaration"/>; generated code calls this
    /// once per network type, with its declaration as one literal. An invalid declaration is an <see cref="ArgumentException"/>
    /// naming its first problem (<see cref="NetworkDeclaration.Validate"/>).
    /// </summary>
    public NetworkDescription(string name, NetworkDeclaration declaration)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(declaration);
        Name = name;
        Declaration = declaration;
        Plan = Model.NetworkPlan.Build(declaration);
        _layers = Plan.DenseLayers.Select(layer => new LayerShape(layer.Inputs, layer.Outputs, layer.WeightOffset, layer.BiasOffset,
            layer.Constraint.Kind, layer.Constraint is Model.RowNormConstraint rows ? rows.Q : double.NaN, layer.Bound,
            layer.Activation?.Kind, layer.Activation?.GroupSize ?? 0, layer.ExecutedWeightOffset)).ToArray();
        _monotone = Plan.Residual is { } residual ? residual.Signs.ToArray() : new int[Plan.InputCount];
        _widths = declaration.Widths.ToArray();
    }

    /// <summary>The declaration the network was generated from.</summary>
    public NetworkDeclaration Declaration { get; }

    /// <summary>The plan every pass, the certificate and the file formats walk.</summary>
    internal Model.NetworkPlan Plan { get; }

    /// <summary>λᵢ = λ^(1/L): the bound each of the L layers is projected onto.</summary>
    public static double LayerBound(double lipschitz, int layerCount) => Model.NetworkPlan.LayerBound(lipschitz, layerCount);

    /// <summary>The declaring type's name.</summary>
    public string Name { get; }

    /// <summary>Layer widths: input, hidden…, output.</summary>
    public ReadOnlySpan<int> Widths => _widths;

    /// <summary>The dense layers in order.</summary>
    public ReadOnlySpan<LayerShape> Layers => _layers;

    /// <summary>The input-space norm p.</summary>
    public double P => Plan.P;

    /// <summary>The dual norm q (1/p + 1/q = 1): single-output gradients are bounded in it.</summary>
    public double Q => Plan.Q;

    /// <summary>The declared Lipschitz bound λ of the constrained part g (every dense layer and activation).</summary>
    public double Lipschitz => Plan.Lipschitz;

    /// <summary>
    /// The monotonicity of each input: +1 non-decreasing, −1 non-increasing, 0 free; all 0 without <c>Monotone</c>. One sign
    /// vector applies to every output.
    /// </summary>
    public ReadOnlySpan<int> Monotone => _monotone;

    /// <summary>True when the network has the monotone residual f = g + c·Σᵢ sᵢ·zᵢ (a <c>Monotone</c> declaration).</summary>
    public bool HasMonotoneResidual => Plan.Residual is not null;

    /// <summary>c, the residual's coefficient as the network runs: λ rounded up to a float (0 without a residual).</summary>
    public float ResidualCoefficient => Plan.Residual?.Coefficient ?? 0;

    /// <summary>
    /// The Lipschitz bound the declaration guarantees for the whole network f = g + c·Σ sᵢzᵢ, in ℓp over the units its layers
    /// see: λ·(1 + ‖s‖_q) with a monotone residual (2λ for p = 1), λ without one, rounded up. With an input or output map the
    /// bound in the input's and output's own units depends on the scales: <see cref="Verification.CertifiedBound.Compute"/>
    /// gives it.
    /// </summary>
    public double DeclaredBound => Model.Certificate.DeclaredBound(Plan);

    /// <summary>The number of SLL residual blocks after each hidden layer.</summary>
    public int ResidualBlocks => Declaration.ResidualBlocks;

    /// <summary>How every dense layer is bounded: row norms (the default), spectral norms, or AOL's rescale.</summary>
    public LayerConstraint Constraint => Plan.LayerConstraint;

    /// <summary>True when the network maps its input by z = (x − offset) / scale before the first layer.</summary>
    public bool HasInputMap => Plan.InputMap is not null;

    /// <summary>Offset of the input map's offsets [inputs] in the parameter buffer (−1 without a map).</summary>
    public int InputOffsetOffset => Plan.InputMap?.OffsetOffset ?? -1;

    /// <summary>Offset of the input map's scales [inputs] in the parameter buffer (−1 without a map).</summary>
    public int InputScaleOffset => Plan.InputMap?.ScaleOffset ?? -1;

    /// <summary>True when the network maps its core's output by y = offset + scale·g after the last step.</summary>
    public bool HasOutputMap => Plan.OutputMap is not null;

    /// <summary>Offset of the output map's offsets [outputs] in the parameter buffer (−1 without a map).</summary>
    public int OutputOffsetOffset => Plan.OutputMap?.OffsetOffset ?? -1;

    /// <summary>Offset of the output map's scales [outputs] in the parameter buffer (−1 without a map).</summary>
    public int OutputScaleOffset => Plan.OutputMap?.ScaleOffset ?? -1;

    /// <summary>The activation after every hidden layer.</summary>
    public Activation Activation => Plan.Activation;

    /// <summary>Input width.</summary>
    public int InputCount => Plan.InputCount;

    /// <summary>Output width.</summary>
    public int OutputCount => Plan.OutputCount;

    /// <summary>Number of floats in the parameter buffer.</summary>
    public int ParameterCount => Plan.ParameterCount;

    /// <inheritdoc/>
    public override string ToString()
    {
        string activation = Activation == Activation.GroupSort
            ? $"GroupSort sizes [{string.Join(", ", _layers[..^1].Select(l => l.GroupSize))}]"
            : Activation.ToString();
        string monotone = HasMonotoneResidual
            ? $", monotone [{string.Join(", ", _monotone.Select(v => v > 0 ? "+" : v < 0 ? "−" : "0"))}], bound λ(1 + ‖s‖_{FormatNorm(Q)}) = {DeclaredBound.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}"
            : "";
        string constraint = Constraint switch
        {
            LayerConstraint.RowNorms => "",
            LayerConstraint.Spectral => ", spectral layers (‖W‖₂ ≤ λᵢ)",
            LayerConstraint.Aol => ", AOL layers (W·D, ‖W·D‖₂ ≤ λᵢ)",
            _ => $", {Constraint} layers",
        };
        string blocks = ResidualBlocks > 0 ? $", {ResidualBlocks} SLL residual block(s) after each hidden layer" : "";
        return $"{Name}: {string.Join("-", Plan.Widths)}, {activation}, p = {FormatNorm(P)}, λ = {Lipschitz}{constraint}{blocks}{monotone}{(HasInputMap ? ", inputs mapped by (x − offset) / scale" : "")}{(HasOutputMap ? ", outputs mapped by offset + scale·g" : "")}";
    }

    internal static string FormatNorm(double p) => double.IsPositiveInfinity(p) ? "∞" : p.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
