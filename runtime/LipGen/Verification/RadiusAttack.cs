using LipGen.Data;

namespace LipGen.Verification;

/// <summary>
/// A point inside a certified radius where the class changed: a counterexample to the radius, which would be a bug in LipGen.
/// </summary>
/// <param name="X">The sample.</param>
/// <param name="Y">The point found, with ‖Y − X‖_p ≤ <paramref name="Radius"/>.</param>
/// <param name="Distance">‖Y − X‖_p, in double.</param>
/// <param name="Radius">The sample's certified radius.</param>
/// <param name="Class">The sample's class.</param>
/// <param name="FoundClass">The class the network gives at Y.</param>
public sealed record RadiusCounterexample(float[] X, float[] Y, double Distance, float Radius, int Class, int FoundClass);

/// <summary>
/// The empirical check of certified radii: for correctly classified samples, projected gradient ascent on the strongest
/// rival's lead, max over j ≠ y of f_j − f_y (−y·f for one output), inside the ℓp ball of the sample's certified radius.
/// Each step moves along the steepest-ascent direction of the input norm (the gradient for ℓ2, its signs for ℓ∞, its
/// largest coordinate for ℓ1) and is pulled back radially into the ball, checked in double after rounding to float.
/// </summary>
internal sealed class RadiusAttack<TKernel> where TKernel : struct, ILipschitzKernel
{
    private readonly float[] _point, _gradient, _weights, _output, _workspace;
    private readonly double[] _difference;

    public RadiusAttack()
    {
        (_point, _gradient) = (new float[TKernel.InputCount], new float[TKernel.InputCount]);
        (_weights, _output) = (new float[TKernel.OutputCount], new float[TKernel.OutputCount]);
        _workspace = new float[TKernel.WorkspaceLength];
        _difference = new double[TKernel.InputCount];
    }

    /// <summary>How many samples were attacked.</summary>
    public int Samples { get; private set; }

    /// <summary>The first class change found inside a certified radius, if any.</summary>
    public RadiusCounterexample? Counterexample { get; private set; }

    public void Run(ReadOnlySpan<float> parameters, Dataset data, float[] radii, int samples, int steps, ulong seed, CancellationToken cancellationToken)
    {
        double p = TKernel.Description.P;
        var random = new SeededRandom(seed ^ 0x7261646969UL); // "radii": a stream of its own
        int m = TKernel.OutputCount;
        for (int i = 0; i < data.Count && Samples < samples && Counterexample is null; i++)
        {
            float radius = radii[i];
            if (!(radius > 0))
                continue;
            cancellationToken.ThrowIfCancellationRequested();
            Samples++;
            ReadOnlySpan<float> x = data.Input(i);
            int label = Prediction.Label(data.Target(i));
            // Start at a random point of the ball's surface: the attack's best chances are at its edge.
            for (int j = 0; j < _difference.Length; j++)
                _difference[j] = 2 * random.NextDouble() - 1;
            Place(x, radius, p);
            for (int step = 0; step <= steps && Counterexample is null; step++)
            {
                TKernel.Forward(parameters, _point, _output);
                int found = Prediction.Classify(_output);
                if (found != label)
                {
                    double distance = Distance(x, p);
                    if (distance <= radius)
                        Counterexample = new RadiusCounterexample(x.ToArray(), (float[])_point.Clone(), distance, radius, label, found);
                    break;
                }
                if (step == steps)
                    break;
                // The rival's lead, and its gradient.
                Array.Clear(_weights);
                if (m == 1)
                    _weights[0] = -label;
                else
                {
                    int rival = label == 0 ? 1 : 0;
                    for (int j = 0; j < m; j++)
                        if (j != label && _output[j] > _output[rival])
                            rival = j;
                    (_weights[rival], _weights[label]) = (1, -1);
                }
                TKernel.InputGradient(parameters, _point, _weights, _gradient, _workspace);
                Ascend(x, radius, p);
            }
        }
    }

    /// <summary>Moves a quarter of the radius along the steepest ascent of the current gradient, then back into the ball.</summary>
    private void Ascend(ReadOnlySpan<float> x, double radius, double p)
    {
        int largest = 0;
        for (int j = 1; j < _gradient.Length; j++)
            if (Math.Abs(_gradient[j]) > Math.Abs(_gradient[largest]))
                largest = j;
        double norm = 0;
        for (int j = 0; j < _gradient.Length; j++)
            norm += (double)_gradient[j] * _gradient[j];
        norm = Math.Sqrt(norm);
        if (!(norm > 0))
            return;
        for (int j = 0; j < _difference.Length; j++)
        {
            double direction = double.IsPositiveInfinity(p) ? Math.Sign(_gradient[j])
                : p == 1 ? (j == largest ? Math.Sign(_gradient[j]) : 0)
                : _gradient[j] / norm;
            _difference[j] = (double)_point[j] - x[j] + 0.25 * radius * direction;
        }
        Place(x, radius, p);
    }

    /// <summary>point = x + difference, scaled radially onto the ball of <paramref name="radius"/> if outside, in float.</summary>
    private void Place(ReadOnlySpan<float> x, double radius, double p)
    {
        double length = LipschitzVerifier.Norm(_difference, p);
        double scale = length > radius ? radius / length : 1;
        for (int attempt = 0; attempt < 60; attempt++, scale *= 1 - 1e-6)
        {
            for (int j = 0; j < _point.Length; j++)
                _point[j] = (float)(x[j] + scale * _difference[j]);
            if (Distance(x, p) <= radius) // rounding to float can step just outside: shrink until it does not
                return;
        }
        x.CopyTo(_point);
    }

    private double Distance(ReadOnlySpan<float> x, double p)
    {
        Span<double> d = _difference.Length <= 256 ? stackalloc double[_difference.Length] : new double[_difference.Length];
        for (int j = 0; j < d.Length; j++)
            d[j] = (double)_point[j] - x[j];
        return LipschitzVerifier.Norm(d, p);
    }
}
