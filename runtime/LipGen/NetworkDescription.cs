namespace LipGen;

/// <summary>One dense layer of a generated network and the constraint it is projected onto.</summary>
/// <param name="Inputs">Width of the layer's input.</param>
/// <param name="Outputs">Width of the layer's output (rows of W).</param>
/// <param name="WeightOffset">Offset of W, row-major [Outputs, Inputs], in the parameter buffer.</param>
/// <param name="BiasOffset">Offset of b [Outputs] in the parameter buffer.</param>
/// <param name="RowNorm">The norm every row of W is bounded in: the dual q of p for the first layer, 1 (ℓ1) after it.</param>
/// <param name="Bound">λᵢ, the bound on every row's norm, so that ‖W‖ ≤ λᵢ in the layer's operator norm.</param>
/// <param name="Activation">The activation after this layer, or null for the output layer (none).</param>
/// <param name="GroupSize">GroupSort group size after this layer; 0 when the activation is not GroupSort.</param>
public readonly record struct LayerShape(
    int Inputs, int Outputs, int WeightOffset, int BiasOffset, double RowNorm, double Bound, Activation? Activation, int GroupSize);

/// <summary>Static metadata of a generated network: its declaration and its parameter layout.</summary>
/// <remarks>
/// A public view of the network's plan (the one model generator and runtime share; see docs/architecture.md).
/// Parameter layout: the layers one after another, each as W row-major [out, in] followed by b [out].
/// λ is split evenly: λᵢ = λ^(1/L) for each of the L dense layers, so ∏λᵢ = λ.
/// </remarks>
public sealed class NetworkDescription
{
    private readonly LayerShape[] _layers;

    /// <summary>Creates the description; generated code calls this once per network type.</summary>
    public NetworkDescription(string name, int[] widths, int[] groupSizes, double p, double lipschitz, Activation activation = Activation.GroupSort)
    {
        Name = name;
        Plan = Model.NetworkPlan.Build(widths, groupSizes, p, lipschitz, activation);
        _layers = Plan.DenseLayers.Select(layer => new LayerShape(layer.Inputs, layer.Outputs, layer.WeightOffset, layer.BiasOffset,
            ((Model.RowNormConstraint)layer.Constraint).Q, layer.Bound, layer.Activation?.Kind, layer.Activation?.GroupSize ?? 0)).ToArray();
    }

    /// <summary>The plan every pass, the certificate and the file formats walk.</summary>
    internal Model.NetworkPlan Plan { get; }

    /// <summary>λᵢ = λ^(1/L): the bound each of the L layers is projected onto.</summary>
    public static double LayerBound(double lipschitz, int layerCount) => Model.NetworkPlan.LayerBound(lipschitz, layerCount);

    /// <summary>The declaring type's name.</summary>
    public string Name { get; }

    /// <summary>Layer widths: input, hidden…, output.</summary>
    public ReadOnlySpan<int> Widths => (int[])Plan.Widths;

    /// <summary>The dense layers in order.</summary>
    public ReadOnlySpan<LayerShape> Layers => _layers;

    /// <summary>The input-space norm p.</summary>
    public double P => Plan.P;

    /// <summary>The dual norm q (1/p + 1/q = 1): single-output gradients are bounded in it.</summary>
    public double Q => Plan.Q;

    /// <summary>The declared Lipschitz bound λ.</summary>
    public double Lipschitz => Plan.Lipschitz;

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
        return $"{Name}: {string.Join("-", Plan.Widths)}, {activation}, p = {FormatNorm(P)}, λ = {Lipschitz}";
    }

    internal static string FormatNorm(double p) => double.IsPositiveInfinity(p) ? "∞" : p.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
