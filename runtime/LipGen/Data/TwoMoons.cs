namespace LipGen.Data;

/// <summary>
/// The two-moons toy problem, built as scikit-learn's <c>make_moons</c>: an upper half circle of radius 1 centred at (0, 0)
/// (label −1) and a lower one centred at (1, 0.5) (label +1), points evenly spaced in angle, plus Gaussian noise.
/// </summary>
public static class TwoMoons
{
    /// <summary>
    /// <paramref name="count"/> points (the first ⌊count/2⌋ on the upper moon), noise standard deviation
    /// <paramref name="noise"/>, seeded. Inputs [count, 2], targets [count, 1] in {−1, +1}.
    /// </summary>
    public static Dataset Generate(int count, double noise, ulong seed)
    {
        if (count < 2)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Two moons need at least two points.");
        if (!(noise >= 0) || double.IsInfinity(noise))
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise level must be a finite number ≥ 0.");
        int outer = count / 2, inner = count - outer;
        var inputs = new float[2 * count];
        var targets = new float[count];
        var random = new SeededRandom(seed);
        for (int i = 0; i < count; i++)
        {
            bool upper = i < outer;
            int k = upper ? i : i - outer;
            int n = upper ? outer : inner;
            double angle = n == 1 ? 0 : Math.PI * k / (n - 1);
            double x = upper ? Math.Cos(angle) : 1 - Math.Cos(angle);
            double y = upper ? Math.Sin(angle) : 0.5 - Math.Sin(angle);
            inputs[2 * i] = (float)(x + noise * random.NextGaussian());
            inputs[2 * i + 1] = (float)(y + noise * random.NextGaussian());
            targets[i] = upper ? -1 : 1;
        }
        return new Dataset(inputs, targets, 2, 1);
    }
}
