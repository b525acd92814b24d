using LipGen.Verification;
using CsCheck;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>The constraint, the certificate and the guarantee they give.</summary>
public class LipschitzTests
{
    /// <summary>
    /// The layer's operator norm computed here from the definition: max over rows of ‖row‖_q (q = 1 after layer 1) for row
    /// bounds; the largest singular value of the weights it runs with (an independent SVD) for ℓ2 layers.
    /// </summary>
    private static double OperatorNorm(LayerShape layer, ReadOnlySpan<float> parameters)
    {
        if (layer.Constraint != LayerConstraint.RowNorms)
            return SpectralTests.SingularValues(parameters.Slice(layer.ExecutedWeightOffset, layer.Inputs * layer.Outputs), layer.Outputs, layer.Inputs)[0];
        double max = 0;
        for (int r = 0; r < layer.Outputs; r++)
        {
            double[] row = ScalarReference.ToDouble(parameters.Slice(layer.WeightOffset + r * layer.Inputs, layer.Inputs));
            max = Math.Max(max, ScalarReference.PNorm(row, layer.RowNorm));
        }
        return max;
    }

    private static ILipschitzNetwork ProjectedFromLargeWeights(string name, ulong seed)
    {
        ILipschitzNetwork net = Create(name);
        var random = new SeededRandom(seed);
        RandomParameters(net.Description, ref random, scale: 5).CopyTo(net.Parameters);
        net.Project();
        return net;
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void After_Project_every_layer_meets_its_bound_and_the_certificate_is_at_most_lambda(string name)
    {
        for (ulong seed = 0; seed < 10; seed++)
        {
            ILipschitzNetwork net = ProjectedFromLargeWeights(name, seed);
            NetworkDescription d = net.Description;
            double product = 1;
            foreach (LayerShape layer in d.Layers)
            {
                double norm = OperatorNorm(layer, net.Parameters);
                Assert.True(norm <= layer.Bound * (1 + 1e-9), $"{name} layer weights at {layer.WeightOffset}: norm {norm} > bound {layer.Bound}");
                product *= norm;
            }
            double certificate = CertifiedBound.ComputeConstrained(d, net.Parameters);
            Assert.True(certificate <= d.Lipschitz * (1 + 1e-6), $"{name}: certificate {certificate} > λ = {d.Lipschitz}");
            // With an input map the whole network's bound depends on the scales; an output map multiplies it by the largest.
            double outputScale = d.HasOutputMap ? Enumerable.Range(0, d.OutputCount).Max(k => net.Parameters[d.OutputScaleOffset + k]) : 1;
            if (!d.HasInputMap)
                Assert.True(net.LipschitzBound() <= d.DeclaredBound * outputScale * (1 + 1e-12), $"{name}: L̂ {net.LipschitzBound()} > declared {d.DeclaredBound} × {outputScale}");
            bool rows = d.Constraint == LayerConstraint.RowNorms;
            // Row norms: the certificate is the product, rounded outward. A spectral bound is proved to within 0.1 % of σ; AOL's
            // Gershgorin bound can lie further above σ (every block is 1 after Project).
            Assert.InRange(certificate, product * (1 - 1e-12), product * (rows ? 1 + 1e-9 : d.Constraint == LayerConstraint.Spectral ? 1.002 : 10));
            // Large random weights are all above the bound, so every row lands on it (every spectral layer is rescaled onto
            // it): the bound is attained. AOL's rescale bounds ‖W·D‖₂ by λᵢ without reaching it.
            if (d.Constraint != LayerConstraint.Aol)
                Assert.True(certificate >= d.Lipschitz * (rows ? 1 - 1e-5 : 0.995), $"{name}: certificate {certificate} well below λ after projecting large weights");
        }
    }

    [Fact]
    public void Project_leaves_rows_within_the_bound_untouched()
    {
        var net = new Networks.EuclideanNet();
        var random = new SeededRandom(9);
        float[] small = RandomVector(ref random, net.Parameters.Length, scale: 0.01);
        small.CopyTo(net.Parameters);
        net.Project();
        Assert.Equal(small, net.Parameters.ToArray());

        // One row of layer 2 pushed above its ℓ1 bound is rescaled onto it; its direction is kept; every other value stays.
        LayerShape layer = net.Description.Layers[1];
        int rowStart = layer.WeightOffset + 2 * layer.Inputs;
        for (int i = 0; i < layer.Inputs; i++)
            small[rowStart + i] = 1;
        small.CopyTo(net.Parameters);
        net.Project();
        float[] after = net.Parameters.ToArray();
        double l1 = 0;
        for (int i = 0; i < layer.Inputs; i++)
        {
            l1 += after[rowStart + i];
            Assert.Equal(after[rowStart], after[rowStart + i]);
        }
        Assert.InRange(l1, layer.Bound * (1 - 1e-5), layer.Bound);
        for (int j = 0; j < after.Length; j++)
            if (j < rowStart || j >= rowStart + layer.Inputs)
                Assert.Equal(small[j], after[j]);
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void No_random_input_pair_violates_the_certificate(string name)
    {
        ILipschitzNetwork net = ProjectedFromLargeWeights(name, 1);
        NetworkDescription d = net.Description;
        double bound = net.LipschitzBound();
        var fx = new float[d.OutputCount];
        var fy = new float[d.OutputCount];
        Gen<float[]> point = Gen.Float[-4, 4].Array[d.InputCount];
        Gen<float[]> nearby = Gen.Float[-0.01f, 0.01f].Array[d.InputCount];
        // Far pairs and near pairs (the local slope is where a wrong constraint shows first).
        Gen.Select(point, point, nearby, Gen.Bool).Sample((x, far, delta, isFar) =>
        {
            float[] y = isFar ? far : x.Zip(delta, (a, b) => a + b).ToArray();
            net.Forward(x, fx);
            net.Forward(y, fy);
            double distance = ScalarReference.PNorm(x.Zip(y, (a, b) => (double)a - b).ToArray(), d.P);
            for (int k = 0; k < d.OutputCount; k++)
            {
                double change = Math.Abs((double)fx[k] - fy[k]);
                // float evaluation adds rounding of the order of 1e-6 relative to the values involved.
                double slack = 1e-5 * (1 + Math.Abs(fx[k]) + Math.Abs(fy[k]));
                if (change > bound * distance + slack)
                    throw new Exception($"{name}: |f(x) − f(y)| = {change} > {bound}·‖x − y‖_p = {bound * distance}");
            }
        }, iter: 3000, threads: 1);
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void Gradients_are_bounded_in_the_dual_norm(string name)
    {
        ILipschitzNetwork net = ProjectedFromLargeWeights(name, 2);
        NetworkDescription d = net.Description;
        double bound = net.LipschitzBound();
        var gradient = new float[d.InputCount];
        var weight = new float[d.OutputCount];
        Gen.Select(Gen.Float[-4, 4].Array[d.InputCount], Gen.Int[0, d.OutputCount - 1]).Sample((x, k) =>
        {
            Array.Clear(weight);
            weight[k] = 1;
            net.InputGradient(x, weight, gradient);
            double norm = ScalarReference.PNorm(ScalarReference.ToDouble(gradient), d.Q);
            if (norm > bound * (1 + 1e-5))
                throw new Exception($"{name}: ‖∇f_{k}‖_q = {norm} > {bound}");
        }, iter: 1000, threads: 1);
    }
}
