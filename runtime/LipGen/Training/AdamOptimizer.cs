using System.Runtime.Intrinsics;

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
        if (!(beta1 >= 0 && beta1 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        if (!(epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be greater than 0.");
        _m = new float[parameterCount];
        _v = new float[parameterCount];
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Step size α.</summary>
    public float LearningRate { get; }

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
    public static void Invoke(ref float p, float g, ref float m, ref float v, in AdamCoefficients c)
    {
        float gk = g * c.GradientScale;
        m = c.Beta1 * m + (1 - c.Beta1) * gk;
        v = c.Beta2 * v + (1 - c.Beta2) * gk * gk;
        p -= c.StepSize * m / (MathF.Sqrt(v) * c.Correction2 + c.Epsilon);
    }

    public static void Invoke(ref Vector128<float> p, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v, in AdamCoefficients c)
    {
        Vector128<float> gk = g * c.GradientScale;
        m = Vector128.Create(c.Beta1) * m + Vector128.Create(1 - c.Beta1) * gk;
        v = Vector128.Create(c.Beta2) * v + Vector128.Create(1 - c.Beta2) * gk * gk;
        p -= Vector128.Create(c.StepSize) * m / (Vector128.Sqrt(v) * c.Correction2 + Vector128.Create(c.Epsilon));
    }

    public static void Invoke(ref Vector256<float> p, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v, in AdamCoefficients c)
    {
        Vector256<float> gk = g * c.GradientScale;
        m = Vector256.Create(c.Beta1) * m + Vector256.Create(1 - c.Beta1) * gk;
        v = Vector256.Create(c.Beta2) * v + Vector256.Create(1 - c.Beta2) * gk * gk;
        p -= Vector256.Create(c.StepSize) * m / (Vector256.Sqrt(v) * c.Correction2 + Vector256.Create(c.Epsilon));
    }

    public static void Invoke(ref Vector512<float> p, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, in AdamCoefficients c)
    {
        Vector512<float> gk = g * c.GradientScale;
        m = Vector512.Create(c.Beta1) * m + Vector512.Create(1 - c.Beta1) * gk;
        v = Vector512.Create(c.Beta2) * v + Vector512.Create(1 - c.Beta2) * gk * gk;
        p -= Vector512.Create(c.StepSize) * m / (Vector512.Sqrt(v) * c.Correction2 + Vector512.Create(c.Epsilon));
    }
}
