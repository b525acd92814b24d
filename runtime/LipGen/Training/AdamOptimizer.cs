using System.Numerics;
using System.Runtime.InteropServices;

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
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb1 = new Vector<float>(b1);
            var vb2 = new Vector<float>(b2);
            var v1b1 = new Vector<float>(1 - b1);
            var v1b2 = new Vector<float>(1 - b2);
            var scale = new Vector<float>(gradientScale);
            var step = new Vector<float>(stepSize);
            var c2 = new Vector<float>(correction2);
            var eps = new Vector<float>(Epsilon);
            Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradient);
            Span<Vector<float>> m = MemoryMarshal.Cast<float, Vector<float>>(_m.AsSpan());
            Span<Vector<float>> v = MemoryMarshal.Cast<float, Vector<float>>(_v.AsSpan());
            for (int k = 0; k < p.Length; k++)
            {
                Vector<float> gk = g[k] * scale;
                m[k] = vb1 * m[k] + v1b1 * gk;
                v[k] = vb2 * v[k] + v1b2 * gk * gk;
                p[k] -= step * m[k] / (Vector.SquareRoot(v[k]) * c2 + eps);
            }
            i = p.Length * Vector<float>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            float gi = gradient[i] * gradientScale;
            _m[i] = b1 * _m[i] + (1 - b1) * gi;
            _v[i] = b2 * _v[i] + (1 - b2) * gi * gi;
            parameters[i] -= stepSize * _m[i] / (MathF.Sqrt(_v[i]) * correction2 + Epsilon);
        }
    }
}
