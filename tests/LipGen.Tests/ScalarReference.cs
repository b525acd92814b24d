namespace LipGen.Tests;

/// <summary>
/// A plain double-precision implementation of the network a <see cref="NetworkDescription"/> declares, written from the
/// definition (dense layers, GroupSort by sorting each group or ReLU, no activation after the last layer) and independent of the
/// generated code: the input map z = (x − offset) / scale first when declared, the monotone residual c·Σ sᵢzᵢ added to every
/// output, and the output map y = offset + scale·g last. Also the norms of the definition.
/// </summary>
public static class ScalarReference
{
    public static double[] Forward(NetworkDescription description, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        double[] a = input.ToArray();
        if (description.HasInputMap)
            for (int i = 0; i < a.Length; i++)
                a[i] = (a[i] - parameters[description.InputOffsetOffset + i]) / parameters[description.InputScaleOffset + i];
        double[] z0 = (double[])a.Clone();
        LayerShape[] layers = description.Layers.ToArray();
        for (int l = 0; l < layers.Length; l++)
        {
            LayerShape layer = layers[l];
            var z = new double[layer.Outputs];
            for (int o = 0; o < layer.Outputs; o++)
            {
                // The weights the layer runs with: W itself, or AOL's W·D.
                double sum = parameters[layer.BiasOffset + o];
                for (int i = 0; i < layer.Inputs; i++)
                    sum += parameters[layer.ExecutedWeightOffset + o * layer.Inputs + i] * a[i];
                z[o] = sum;
            }
            if (layer.Activation == Activation.GroupSort)
                for (int start = 0; start < z.Length; start += layer.GroupSize)
                    Array.Sort(z, start, layer.GroupSize);
            else if (layer.Activation == Activation.ReLU)
                for (int k = 0; k < z.Length; k++)
                    z[k] = Math.Max(z[k], 0);
            a = z;
            foreach (Model.ResidualBlockStep block in description.Plan.Blocks.Where(b => b.Layer == l + 1))
                a = Block(block, parameters, a);
        }
        if (description.HasMonotoneResidual)
        {
            double residual = 0;
            for (int i = 0; i < z0.Length; i++)
                residual += description.ResidualCoefficient * description.Monotone[i] * z0[i];
            for (int k = 0; k < a.Length; k++)
                a[k] += residual;
        }
        if (description.HasOutputMap)
            for (int k = 0; k < a.Length; k++)
                a[k] = parameters[description.OutputOffsetOffset + k] + parameters[description.OutputScaleOffset + k] * a[k];
        return a;
    }

    /// <summary>An SLL block from its definition: y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b).</summary>
    private static double[] Block(Model.ResidualBlockStep block, ReadOnlySpan<double> parameters, double[] x)
    {
        int n = block.Inner, m = block.Width;
        double[] y = (double[])x.Clone();
        for (int i = 0; i < n; i++)
        {
            double u = parameters[block.BiasOffset + i];
            for (int k = 0; k < m; k++)
                u += parameters[block.WeightOffset + i * m + k] * x[k];
            double v = parameters[block.DiagonalOffset + i] * Math.Max(u, 0);
            for (int k = 0; k < m; k++)
                y[k] -= 2 * parameters[block.WeightOffset + i * m + k] * v;
        }
        return y;
    }

    public static double[] Forward(NetworkDescription description, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input) =>
        Forward(description, ToDouble(parameters), ToDouble(input));

    /// <summary>L = Σ over the batch's samples and outputs of weights·f: its gradient is the backward pass given ∂L/∂f = weights.</summary>
    public static double WeightedLoss(NetworkDescription description, double[] parameters, float[] inputs, float[] weights)
    {
        int batch = inputs.Length / description.InputCount;
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            double[] f = Forward(description, parameters, ToDouble(inputs.AsSpan(s * description.InputCount, description.InputCount)));
            for (int k = 0; k < f.Length; k++)
                loss += weights[s * description.OutputCount + k] * f[k];
        }
        return loss;
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = values[i];
        return result;
    }

    /// <summary>‖v‖_p for p ≥ 1 or ∞.</summary>
    public static double PNorm(ReadOnlySpan<double> v, double p)
    {
        if (double.IsPositiveInfinity(p))
        {
            double max = 0;
            foreach (double x in v)
                max = Math.Max(max, Math.Abs(x));
            return max;
        }
        double sum = 0;
        foreach (double x in v)
            sum += Math.Pow(Math.Abs(x), p);
        return Math.Pow(sum, 1 / p);
    }
}
