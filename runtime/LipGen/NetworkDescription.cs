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
/// Parameter layout: the layers one after another, each as W row-major [out, in] followed by b [out].
/// λ is split evenly: λᵢ = λ^(1/L) for each of the L dense layers, so ∏λᵢ = λ.
/// </remarks>
public sealed class NetworkDescription
{
    private readonly int[] _widths;
    private readonly LayerShape[] _layers;

    /// <summary>Creates the description; generated code calls this once per network type.</summary>
    public NetworkDescription(string name, int[] widths, int[] groupSizes, double p, double lipschitz, Activation activation = Activation.GroupSort)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(groupSizes);
        if (widths.Length < 2)
            throw new ArgumentException("A network needs at least an input and an output width.", nameof(widths));
        if (groupSizes.Length != widths.Length - 2)
            throw new ArgumentException($"Expected {widths.Length - 2} group sizes (one per hidden layer), got {groupSizes.Length}.", nameof(groupSizes));
        Name = name;
        _widths = (int[])widths.Clone();
        P = p;
        Q = Norm.Dual(p);
        Lipschitz = lipschitz;
        Activation = activation;
        int layerCount = widths.Length - 1;
        double layerBound = LayerBound(lipschitz, layerCount);
        _layers = new LayerShape[layerCount];
        int offset = 0;
        for (int i = 0; i < layerCount; i++)
        {
            int inputs = widths[i], outputs = widths[i + 1];
            bool hidden = i < layerCount - 1;
            int groupSize = hidden && activation == Activation.GroupSort ? groupSizes[i] : 0;
            _layers[i] = new LayerShape(inputs, outputs, offset, offset + inputs * outputs, i == 0 ? Q : 1, layerBound,
                hidden ? activation : null, groupSize);
            offset += inputs * outputs + outputs;
        }
        ParameterCount = offset;
    }

    /// <summary>λᵢ = λ^(1/L): the bound each of the L layers is projected onto.</summary>
    public static double LayerBound(double lipschitz, int layerCount) => Math.Pow(lipschitz, 1.0 / layerCount);

    /// <summary>The declaring type's name.</summary>
    public string Name { get; }

    /// <summary>Layer widths: input, hidden…, output.</summary>
    public ReadOnlySpan<int> Widths => _widths;

    /// <summary>The dense layers in order.</summary>
    public ReadOnlySpan<LayerShape> Layers => _layers;

    /// <summary>The input-space norm p.</summary>
    public double P { get; }

    /// <summary>The dual norm q (1/p + 1/q = 1): single-output gradients are bounded in it.</summary>
    public double Q { get; }

    /// <summary>The declared Lipschitz bound λ.</summary>
    public double Lipschitz { get; }

    /// <summary>The activation after every hidden layer.</summary>
    public Activation Activation { get; }

    /// <summary>Input width.</summary>
    public int InputCount => _widths[0];

    /// <summary>Output width.</summary>
    public int OutputCount => _widths[^1];

    /// <summary>Number of floats in the parameter buffer.</summary>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        string activation = Activation == Activation.GroupSort
            ? $"GroupSort sizes [{string.Join(", ", _layers[..^1].Select(l => l.GroupSize))}]"
            : Activation.ToString();
        return $"{Name}: {string.Join("-", _widths)}, {activation}, p = {FormatNorm(P)}, λ = {Lipschitz}";
    }

    internal static string FormatNorm(double p) => double.IsPositiveInfinity(p) ? "∞" : p.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
