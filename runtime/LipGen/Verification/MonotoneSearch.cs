using LipGen.Data;

namespace LipGen.Verification;

/// <summary>
/// A pair that breaks monotonicity: <see cref="X"/> and <see cref="Y"/> differ only in input <see cref="Input"/>, with
/// Y greater by <see cref="Step"/>, yet output <see cref="Output"/> moved against the input's sign by <see cref="Decrease"/>.
/// </summary>
/// <param name="X">The first point.</param>
/// <param name="Y">The second point: X with input <paramref name="Input"/> increased by <paramref name="Step"/>.</param>
/// <param name="Input">The monotone input that was increased.</param>
/// <param name="Sign">Its declared (or checked) sign: +1 must not fall, −1 must not rise.</param>
/// <param name="Output">The output that moved the wrong way.</param>
/// <param name="Step">yᵢ − xᵢ &gt; 0.</param>
/// <param name="Decrease">−sign·(f̃(Y) − f̃(X)) &gt; 0: how far the output moved the wrong way, as the network runs in float.</param>
/// <param name="Allowance">E(X) + E(Y): how far float rounding alone could move it; a decrease beyond it is a real violation.</param>
public sealed record MonotonePair(float[] X, float[] Y, int Input, int Sign, int Output, double Step, double Decrease, double Allowance)
{
    /// <summary>True when the decrease is larger than float rounding can explain: the function itself is not monotone.</summary>
    public bool IsBeyondRounding => Decrease > Allowance;

    /// <inheritdoc/>
    public override string ToString() => ToString(null);

    /// <summary>The pair in words, naming the input by <paramref name="featureNames"/> (x0, x1, … when null).</summary>
    public string ToString(IReadOnlyList<string>? featureNames)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        string direction = Sign > 0 ? "fell" : "rose";
        string name = featureNames is { } names && Input < names.Count ? names[Input] : $"x{Input}";
        return $"{name} from {X[Input].ToString("G6", c)} to {Y[Input].ToString("G6", c)}: output {Output} {direction} by {Decrease.ToString("G4", c)} "
            + $"(float rounding allows {Allowance.ToString("G2", c)}) at x = [{string.Join(", ", X.Select(v => v.ToString("G5", c)))}]";
    }
}

/// <summary>
/// The seeded search for monotonicity violations. For a monotone input i (sign s) and an output k it minimises
/// D(x) = s·(fₖ(x + t·eᵢ) − fₖ(x)) over x in the data's bounding box (widened by 10 %), from data points and uniform points,
/// for step lengths t from 0.5 % to 50 % of the input's range, and, on every fourth start of each input, from 5·10⁻³ down to 5·10⁻⁸ of it:
/// steps so short that float rounding, not the slope, decides which way the output moves, which is where a network whose
/// certified slope is near 0 steps the wrong way. Its gradient s·(∇fₖ(x + t·eᵢ) − ∇fₖ(x)) is non-zero whenever
/// the segment crosses a kink of the network, which is where a violation must come from; where it is zero the search moves
/// at random. A pair with D &lt; 0 is a decrease; one with −D &gt; E(x) + E(y) is a real violation.
/// </summary>
internal sealed class MonotoneSearch<TKernel> where TKernel : struct, ILipschitzKernel
{
    private readonly Dataset _data;
    private readonly double[] _low, _high;
    private readonly int[] _signs;
    private readonly float[] _x, _y, _fx, _fy, _gx, _gy, _weight, _workspace, _errorOutput;
    private readonly double[] _direction;

    public MonotoneSearch(Dataset data, double[] low, double[] high, int[] signs)
    {
        _data = data;
        (_low, _high, _signs) = (low, high, signs);
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        (_x, _y, _gx, _gy) = (new float[n], new float[n], new float[n], new float[n]);
        (_fx, _fy, _weight, _errorOutput) = (new float[m], new float[m], new float[m], new float[m]);
        _workspace = new float[TKernel.WorkspaceLength];
        _direction = new double[n];
    }

    /// <summary>The pair furthest beyond its float allowance, if any (a real violation).</summary>
    public MonotonePair? Violation { get; private set; }

    /// <summary>Pairs the search compared.</summary>
    public int Pairs { get; private set; }

    /// <summary>The largest decrease seen (null if the output never moved the wrong way), and its pair.</summary>
    public MonotonePair? LargestDecrease { get; private set; }

    public void Run(ReadOnlySpan<float> parameters, int starts, int steps, double stepSize, ulong seed, CancellationToken cancellationToken)
    {
        int[] monotone = Enumerable.Range(0, _signs.Length).Where(i => _signs[i] != 0).ToArray();
        if (monotone.Length == 0)
            return;
        var random = new SeededRandom(seed ^ 0x6d6f6e6f746f6e65UL); // "monotone": a stream of its own, apart from the attack's
        int m = TKernel.OutputCount;
        for (int start = 0; start < starts; start++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int i = monotone[start % monotone.Length], k = start / monotone.Length % m, sign = _signs[i];
            double range = _high[i] - _low[i];
            double t = range * 0.5 * Math.Pow(10, start / monotone.Length % 4 == 3 ? -2 - 5 * random.NextDouble() : -2 * random.NextDouble());
            if (start % 2 == 0 && _data.Count > 0)
                _data.Input((int)(random.NextDouble() * _data.Count) % _data.Count).CopyTo(_x);
            else
                for (int j = 0; j < _x.Length; j++)
                    _x[j] = (float)(_low[j] + random.NextDouble() * (_high[j] - _low[j]));
            double move = stepSize;
            for (int step = 0; step <= steps; step++)
            {
                Place(i, t);
                TKernel.Forward(parameters, _x, _fx);
                TKernel.Forward(parameters, _y, _fy);
                double change = sign * ((double)_fy[k] - _fx[k]);
                Pairs++;
                if (change < 0)
                    Record(parameters, i, sign, k, -change);
                if (step == steps)
                    break;
                // ∇ₓD = s·(∇fₖ(y) − ∇fₖ(x)), both points moving together.
                Array.Clear(_weight);
                _weight[k] = 1;
                TKernel.InputGradient(parameters, _x, _weight, _gx, _workspace);
                TKernel.InputGradient(parameters, _y, _weight, _gy, _workspace);
                double length = 0;
                for (int j = 0; j < _x.Length; j++)
                {
                    _direction[j] = sign * ((double)_gy[j] - _gx[j]) * (_high[j] - _low[j]);
                    length += _direction[j] * _direction[j];
                }
                length = Math.Sqrt(length);
                for (int j = 0; j < _x.Length; j++)
                {
                    double span = _high[j] - _low[j];
                    double delta = length > 0 && double.IsFinite(length)
                        ? -_direction[j] / length * move * span
                        : (2 * random.NextDouble() - 1) * move * span; // one linear piece: nothing to follow, so look around
                    _x[j] = (float)Math.Clamp(_x[j] + delta, _low[j], _high[j]);
                }
                move *= 0.95;
            }
        }
    }

    /// <summary>y = x + t·eᵢ inside the box; x is moved down when y would leave it.</summary>
    private void Place(int i, double t)
    {
        if (_x[i] + t > _high[i])
            _x[i] = (float)Math.Max(_low[i], _high[i] - t);
        _x.CopyTo(_y, 0);
        _y[i] = (float)(_x[i] + t);
        if (!(_y[i] > _x[i]))
            _y[i] = MathF.BitIncrement(_x[i]);
    }

    private void Record(ReadOnlySpan<float> parameters, int i, int sign, int k, double decrease)
    {
        double allowance = FloatErrorBound.AtPoint<TKernel>(parameters, _x, _errorOutput, _workspace)
            + FloatErrorBound.AtPoint<TKernel>(parameters, _y, _errorOutput, _workspace);
        var pair = new MonotonePair((float[])_x.Clone(), (float[])_y.Clone(), i, sign, k, (double)_y[i] - _x[i], decrease, allowance);
        if (LargestDecrease is null || decrease > LargestDecrease.Decrease)
            LargestDecrease = pair;
        if (pair.IsBeyondRounding && (Violation is null || decrease - allowance > Violation.Decrease - Violation.Allowance))
            Violation = pair;
    }
}
