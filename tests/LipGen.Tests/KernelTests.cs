using LipGen.Kernels;
using LipGen.Training;

namespace LipGen.Tests;

/// <summary>The runtime primitives the generated code calls, on sizes that exercise every vector width and the remainders.</summary>
public class KernelTests
{
    public static TheoryData<int> EvenWidths => new(2, 4, 6, 8, 10, 16, 18, 24, 32, 34, 48, 50);

    [Theory, MemberData(nameof(EvenWidths))]
    public void MaxMin_sorts_every_pair_and_routes_gradients_back(int width)
    {
        var random = new SeededRandom((ulong)width);
        float[] values = NetworkCases.RandomVector(ref random, width);
        values[0] = values[1]; // a tie stays unswapped
        float[] expected = (float[])values.Clone();
        for (int i = 0; i < width; i += 2)
            Array.Sort(expected, i, 2);

        float[] inference = (float[])values.Clone();
        MaxMin.Forward(ref inference[0], width);
        Assert.Equal(expected, inference);

        float[] recorded = (float[])values.Clone();
        var swapped = new int[width];
        MaxMin.ForwardRecording(ref recorded[0], ref swapped[0], width);
        Assert.Equal(expected, recorded);

        // Gradient k of the output belongs to the input that landed at k.
        float[] outputGradient = NetworkCases.RandomVector(ref random, width);
        var inputGradient = new float[width];
        MaxMin.Backward(ref outputGradient[0], ref swapped[0], ref inputGradient[0], width);
        for (int i = 0; i < width; i += 2)
        {
            bool swap = values[i] > values[i + 1];
            Assert.Equal(swap ? outputGradient[i + 1] : outputGradient[i], inputGradient[i]);
            Assert.Equal(swap ? outputGradient[i] : outputGradient[i + 1], inputGradient[i + 1]);
        }
    }

    [Theory]
    [InlineData(12, 3)]
    [InlineData(12, 4)]
    [InlineData(16, 16)]
    [InlineData(5, 1)]
    public void Sort_sorts_every_group_and_records_where_values_came_from(int width, int groupSize)
    {
        var random = new SeededRandom(3);
        float[] values = NetworkCases.RandomVector(ref random, width);
        float[] expected = (float[])values.Clone();
        for (int i = 0; i < width; i += groupSize)
            Array.Sort(expected, i, groupSize);
        float[] inference = (float[])values.Clone();
        GroupSort.Forward(ref inference[0], width, groupSize);
        Assert.Equal(expected, inference);

        float[] recorded = (float[])values.Clone();
        var source = new int[width];
        GroupSort.ForwardRecording(ref recorded[0], ref source[0], width, groupSize);
        Assert.Equal(expected, recorded);
        for (int k = 0; k < width; k++)
            Assert.Equal(values[k - k % groupSize + source[k]], recorded[k]);

        float[] outputGradient = NetworkCases.RandomVector(ref random, width);
        var inputGradient = new float[width];
        GroupSort.Backward(ref outputGradient[0], ref source[0], ref inputGradient[0], width, groupSize);
        for (int k = 0; k < width; k++)
            Assert.Equal(outputGradient[k], inputGradient[k - k % groupSize + source[k]]);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(1.25)]
    [InlineData(double.PositiveInfinity)]
    public void Row_norms_follow_the_definition(double q)
    {
        float[] row = [3, -4, 0.5f, 12];
        Assert.Equal(ScalarReference.PNorm(ScalarReference.ToDouble(row), q), RowNorms.Norm(row, q), 12);
    }

    [Fact]
    public void Adam_matches_the_textbook_update()
    {
        const int n = 37; // vector lanes and a scalar tail
        var random = new SeededRandom(1);
        float[] parameters = NetworkCases.RandomVector(ref random, n);
        double[] reference = ScalarReference.ToDouble(parameters);
        var m = new double[n];
        var v = new double[n];
        var adam = new AdamOptimizer(n, learningRate: 0.01f);
        for (int t = 1; t <= 5; t++)
        {
            float[] gradient = NetworkCases.RandomVector(ref random, n);
            adam.Step(parameters, gradient, gradientScale: 0.5f);
            for (int i = 0; i < n; i++)
            {
                double g = 0.5 * gradient[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mHat = m[i] / (1 - Math.Pow(0.9, t)), vHat = v[i] / (1 - Math.Pow(0.999, t));
                reference[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
        }
        for (int i = 0; i < n; i++)
            Assert.Equal(reference[i], parameters[i], 1e-5);
    }

    [Theory]
    [InlineData(0.7f, 1f)]
    [InlineData(-0.3f, 1f)]
    [InlineData(2.5f, -1f)]
    [InlineData(-0.05f, -1f)]
    public void Losses_and_their_gradients(float output, float label)
    {
        var gradient = new float[1];
        float hinge = new HingeLoss(0.5f).Evaluate([output], [label], gradient);
        Assert.Equal(Math.Max(0, 0.5 - label * output), hinge, 6);
        Assert.Equal(label * output < 0.5f ? -label : 0, gradient[0]);

        float bce = new BinaryCrossEntropyWithLogits().Evaluate([output], [label], gradient);
        double p = 1 / (1 + Math.Exp(-output)), t = (label + 1) / 2;
        Assert.Equal(-(t * Math.Log(p) + (1 - t) * Math.Log(1 - p)), bce, 5);
        Assert.Equal(p - t, gradient[0], 5);
    }

    [Fact]
    public void Seeded_random_is_uniform_and_repeatable()
    {
        var a = new SeededRandom(123);
        var b = new SeededRandom(123);
        double sum = 0;
        for (int i = 0; i < 10000; i++)
        {
            double u = a.NextDouble();
            Assert.Equal(u, b.NextDouble());
            Assert.InRange(u, 0, 1);
            sum += u;
        }
        Assert.InRange(sum / 10000, 0.49, 0.51);
    }
}

/// <summary>
/// The kernels are written over static abstract members (widths, operators, block shapes, epilogues), which only cost
/// nothing once the JIT inlines them. Tiered compilation's profile inlines most small ones anyway; without it (NativeAOT,
/// TieredCompilation off) the JIT goes by its size heuristics, and one member it left a call (an epilogue's Mode) made the
/// register block spill every accumulator at every step: batches ran 3× slower. So every such member is marked.
/// </summary>
public class KernelInliningTests
{
    [Fact]
    public void Every_static_member_a_kernel_reaches_through_an_interface_is_marked_for_inlining()
    {
        var unmarked = new List<string>();
        foreach (Type type in typeof(LipGen.Kernels.Dense).Assembly.GetTypes())
        {
            if (type.Namespace is not { } ns || !ns.StartsWith("LipGen.Kernels", StringComparison.Ordinal) || type.IsInterface)
                continue;
            if (type.IsGenericTypeDefinition)
            {
                // An open generic type has no interface map: its public static members are the implementations.
                if (type.GetInterfaces().Any(contract => contract.Assembly == type.Assembly))
                    foreach (System.Reflection.MethodInfo method in type.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
                        if ((method.MethodImplementationFlags & (System.Reflection.MethodImplAttributes.AggressiveInlining | System.Reflection.MethodImplAttributes.AggressiveOptimization)) == 0)
                            unmarked.Add($"{type.Name}.{method.Name}");
                continue;
            }
            foreach (Type contract in type.GetInterfaces())
            {
                if (contract.Assembly != type.Assembly)
                    continue;
                System.Reflection.InterfaceMapping map;
                try
                {
                    map = type.GetInterfaceMap(contract);
                }
                catch (ArgumentException)
                {
                    continue;
                }
                for (int i = 0; i < map.InterfaceMethods.Length; i++)
                {
                    if (!map.InterfaceMethods[i].IsStatic)
                        continue;
                    System.Reflection.MethodInfo implementation = map.TargetMethods[i];
                    var flags = implementation.MethodImplementationFlags;
                    if ((flags & (System.Reflection.MethodImplAttributes.AggressiveInlining | System.Reflection.MethodImplAttributes.AggressiveOptimization)) == 0)
                        unmarked.Add($"{type.Name}.{implementation.Name}");
                }
            }
        }
        Assert.True(unmarked.Count == 0, string.Join(", ", unmarked.Distinct()));
    }
}
