
namespace LipGen.Training;

/// <summary>
/// Adam (Kingma &amp; Ba) with PyTorch's defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8, bias-corrected, no weight decay.
/// Holds its moment buffers; <see cref="Step"/> allocates nothing.
/// </summary>
public sealed class AdamOptimizer
{
    private readonly float[] _m, _v;
    private int _step;

    /// <summary>Creates the optimizer for <paramref name="parameterCount"/> parameters.</summary>
    public AdamOptimizer(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        if (!(learningRate > 0) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and greater than 0.");
        LearningRate = learningRate;
        if (!(beta1 >= 0 && beta1 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        if (!(epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be greater than 0.");
        _m = new float[parameterCount];
        _v = new float[parameterCount];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>
    /// Step size α: finite and greater than 0 when created; a schedule may change it between steps, to 0 too (a cosine
    /// schedule's last epoch), which leaves the parameters where they are while the moments keep counting.
    /// </summary>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = value >= 0 && !float.IsInfinity(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and not negative.");
    }

    private float _learningRate;

    /// <summary>A rate given in double, checked and rounded to the float the update uses.</summary>
    internal static float Rate(double rate, string name, bool allowZero = false) =>
        (allowZero && rate == 0) || (rate > 0 && double.IsFinite(rate) && (float)rate is > 0 and < float.PositiveInfinity)
            ? (float)rate
            : throw new ArgumentOutOfRangeException(name, rate, allowZero
                ? "The learning rate must be finite, not negative, and 0 or a float greater than 0."
                : "The learning rate must be finite, greater than 0, and representable as a float.");

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator guard.</summary>
    public float Epsilon { get; }

    /// <summary>Number of steps taken.</summary>
    public int StepCount => _step;

    /// <summary>
    /// One update θ ← θ − α·m̂/(√v̂ + ε) with g = <paramref name="gradientScale"/>·<paramref name="gradient"/>
    /// (pass 1/batch to average a summed gradient).
    /// </summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float gradientScale = 1)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
            throw new ArgumentException($"Adam was created for {_m.Length} parameters; got {parameters.Length} parameters and {gradient.Length} gradients.");
        _step++;
        float b1 = Beta1, b2 = Beta2;
        float stepSize = LearningRate / (1 - MathF.Pow(b1, _step));
        float correction2 = 1 / MathF.Sqrt(1 - MathF.Pow(b2, _step));
        var coefficients = new AdamCoefficients(b1, b2, gradientScale, stepSize, correction2, Epsilon);
        Kernels.Elementwise.Update<AdamUpdate, AdamCoefficients>(parameters, gradient, _m, _v, coefficients);
    }
}

/// <summary>The per-step constants of an Adam update.</summary>
internal readonly record struct AdamCoefficients(float Beta1, float Beta2, float GradientScale, float StepSize, float Correction2, float Epsilon);

/// <summary>
/// One Adam update per element: g = scale·g; m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; p −= step·m/(√v·c₂ + ε). Every width
/// evaluates the same operations in the same order, so the result does not depend on the vector width.
/// </summary>
internal readonly struct AdamUpdate : Kernels.IUpdateOperator<AdamCoefficients>
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Invoke<TV, TL>(ref TV p, TV g, ref TV m, ref TV v, in AdamCoefficients c) where TV : struct where TL : struct, Kernels.ILanes<TV>
    {
        TV gk = TL.Multiply(g, TL.Broadcast(c.GradientScale));
        m = TL.Add(TL.Multiply(TL.Broadcast(c.Beta1), m), TL.Multiply(TL.Broadcast(1 - c.Beta1), gk));
        v = TL.Add(TL.Multiply(TL.Broadcast(c.Beta2), v), TL.Multiply(TL.Multiply(TL.Broadcast(1 - c.Beta2), gk), gk));
        p = TL.Subtract(p, TL.Divide(TL.Multiply(TL.Broadcast(c.StepSize), m),
            TL.Add(TL.Multiply(TL.Sqrt(v), TL.Broadcast(c.Correction2)), TL.Broadcast(c.Epsilon))));
    }
}
