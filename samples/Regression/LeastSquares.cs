using LipGen.Data;

namespace Regression;

/// <summary>Ordinary least squares with an intercept, in double: the linear baseline a statistician would fit first.</summary>
internal sealed class LeastSquares
{
    private readonly double[] _weights; // per input, then the intercept

    private LeastSquares(double[] weights) => _weights = weights;

    /// <summary>Solves the normal equations (AᵀA)w = Aᵀy by Gaussian elimination with partial pivoting.</summary>
    public static LeastSquares Fit(Dataset data)
    {
        int n = data.InputWidth + 1;
        var (normal, right) = (new double[n, n], new double[n]);
        var row = new double[n];
        for (int s = 0; s < data.Count; s++)
        {
            ReadOnlySpan<float> x = data.Input(s);
            for (int i = 0; i < n - 1; i++)
                row[i] = x[i];
            row[n - 1] = 1;
            for (int i = 0; i < n; i++)
            {
                right[i] += row[i] * data.Target(s)[0];
                for (int j = 0; j < n; j++)
                    normal[i, j] += row[i] * row[j];
            }
        }
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++)
                if (Math.Abs(normal[i, k]) > Math.Abs(normal[pivot, k]))
                    pivot = i;
            for (int j = 0; j < n; j++)
                (normal[k, j], normal[pivot, j]) = (normal[pivot, j], normal[k, j]);
            (right[k], right[pivot]) = (right[pivot], right[k]);
            for (int i = k + 1; i < n; i++)
            {
                double factor = normal[i, k] / normal[k, k];
                for (int j = k; j < n; j++)
                    normal[i, j] -= factor * normal[k, j];
                right[i] -= factor * right[k];
            }
        }
        var w = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = right[i];
            for (int j = i + 1; j < n; j++)
                sum -= normal[i, j] * w[j];
            w[i] = sum / normal[i, i];
        }
        return new LeastSquares(w);
    }

    /// <summary>The coefficient of input <paramref name="i"/>, in target units per raw unit.</summary>
    public double Slope(int i) => _weights[i];

    /// <summary>1 − Σ(ŷ − y)² / Σ(y − ȳ)² on <paramref name="data"/>.</summary>
    public double RSquared(Dataset data)
    {
        double mean = 0;
        for (int s = 0; s < data.Count; s++)
            mean += data.Target(s)[0];
        mean /= data.Count;
        double residual = 0, total = 0;
        for (int s = 0; s < data.Count; s++)
        {
            double y = data.Target(s)[0], prediction = _weights[^1];
            for (int i = 0; i < data.InputWidth; i++)
                prediction += _weights[i] * data.Input(s)[i];
            residual += (prediction - y) * (prediction - y);
            total += (y - mean) * (y - mean);
        }
        return 1 - residual / total;
    }
}
