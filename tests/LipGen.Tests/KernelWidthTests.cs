using LipGen.Kernels;
using LipGen.Training;

namespace LipGen.Tests;

/// <summary>
/// Every kernel on the shared cascade, run at exactly one vector width (in software where the machine lacks it, so every
/// width's code runs on every machine, also with intrinsics off) and at the machine's own cascade, and compared with its
/// scalar path. Element-wise kernels must agree bit for bit; sums may differ only by their reassociation, within the
/// rounding bound of a double reference.
/// </summary>
public class KernelWidthTests
{
    // Vector widths in bits (VectorBits is internal, so the theory takes the number).
    public static TheoryData<int> Widths => new((int)VectorBits.Bits128, (int)VectorBits.Bits256, (int)VectorBits.Bits512, (int)VectorBits.All);

    // Lengths that leave remainders after every vector width (and an even number for the pairwise operators).
    private static readonly int[] Lengths = [2, 4, 6, 8, 14, 16, 18, 30, 32, 34, 62, 64, 66, 100];

    private static float[] Values(int length, int seed, bool withTiesAndSpecials = false)
    {
        var random = new SeededRandom((ulong)seed);
        float[] values = NetworkCases.RandomVector(ref random, length);
        if (withTiesAndSpecials && length >= 6)
        {
            values[1] = values[0];   // a tie: no swap
            values[2] = -0f;         // signed zero
            values[4] = float.NaN;   // NaN flows on
        }
        return values;
    }

    [Theory, MemberData(nameof(Widths))]
    public void Activation_operators_match_their_scalar_path(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            Check<MaxMinOperator>(n, limit);
            Check<ReLUOperator>(n, limit);
        }
    }

    private static void Check<TOp>(int n, VectorBits limit) where TOp : IActivationOperator
    {
        float[] input = Values(n, n, withTiesAndSpecials: true);
        (float[] values, int[] record) Forward(VectorBits bits)
        {
            float[] values = (float[])input.Clone();
            var record = new int[n];
            Elementwise.Forward<TOp>(ref values[0], ref record[0], n, recording: true, bits);
            return (values, record);
        }
        (float[] expected, int[] expectedRecord) = Forward(VectorBits.Scalar);
        (float[] actual, int[] actualRecord) = Forward(limit);
        Assert.Equal(Bits(expected), Bits(actual));
        Assert.Equal(expectedRecord, actualRecord);

        float[] inference = (float[])input.Clone();
        Elementwise.Forward<TOp>(ref inference[0], ref System.Runtime.CompilerServices.Unsafe.NullRef<int>(), n, recording: false, limit);
        Assert.Equal(Bits(expected), Bits(inference));

        float[] gradient = Values(n, n + 1);
        var scalar = new float[n];
        var vector = new float[n];
        Elementwise.Backward<TOp>(ref gradient[0], ref expectedRecord[0], ref scalar[0], n, VectorBits.Scalar);
        Elementwise.Backward<TOp>(ref gradient[0], ref expectedRecord[0], ref vector[0], n, limit);
        Assert.Equal(Bits(scalar), Bits(vector));
    }

    [Theory, MemberData(nameof(Widths))]
    public void Batched_MaxMin_row_exchange_matches_its_scalar_path(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            float[] a = Values(n, 2 * n, withTiesAndSpecials: true), b = Values(n, 2 * n + 1);
            (float[] low, float[] high, int[] mask) Run(VectorBits bits, bool compare, int[]? given)
            {
                float[] low = new float[n], high = new float[n];
                int[] mask = given ?? new int[n];
                if (compare)
                    Kernels.Batched.MaxMin.Exchange<Kernels.Batched.MaxMin.Order>(ref a[0], ref b[0], ref mask[0], ref low[0], ref high[0], n, bits);
                else
                    Kernels.Batched.MaxMin.Exchange<Kernels.Batched.MaxMin.Route>(ref a[0], ref b[0], ref mask[0], ref low[0], ref high[0], n, bits);
                return (low, high, mask);
            }
            var expected = Run(VectorBits.Scalar, compare: true, null);
            var actual = Run(limit, compare: true, null);
            Assert.Equal(Bits(expected.low), Bits(actual.low));
            Assert.Equal(Bits(expected.high), Bits(actual.high));
            Assert.Equal(expected.mask, actual.mask);
            var routed = Run(limit, compare: false, expected.mask);
            var routedScalar = Run(VectorBits.Scalar, compare: false, expected.mask);
            Assert.Equal(Bits(routedScalar.low), Bits(routed.low));
            Assert.Equal(Bits(routedScalar.high), Bits(routed.high));
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Row_norm_reductions_match_their_scalar_path(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            float[] row = Values(n, 3 * n);
            // The maximum is exact in any order; sums of n exact double terms differ by at most their reassociation.
            Assert.Equal(Elementwise.Reduce<AbsoluteOperator, MaxOperator>(row, VectorBits.Scalar), Elementwise.Reduce<AbsoluteOperator, MaxOperator>(row, limit));
            double sum = Elementwise.Reduce<AbsoluteOperator, AddOperator>(row, VectorBits.Scalar);
            Assert.Equal(sum, Elementwise.Reduce<AbsoluteOperator, AddOperator>(row, limit), sum * n * 2.3e-16);
            double squares = Elementwise.Reduce<SquareOperator, AddOperator>(row, VectorBits.Scalar);
            Assert.Equal(squares, Elementwise.Reduce<SquareOperator, AddOperator>(row, limit), squares * n * 2.3e-16);
            row[n / 2] = float.NaN;
            Assert.True(double.IsNaN(Elementwise.Reduce<AbsoluteOperator, MaxOperator>(row, limit)));
            Assert.True(double.IsNaN(Elementwise.Reduce<AbsoluteOperator, AddOperator>(row, limit)));
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void The_finiteness_test_finds_every_NaN_and_infinity_at_every_position(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            float[] row = Values(n, 5 * n);
            row[0] = float.MaxValue;      // finite extremes: x − x is still 0
            row[n - 1] = -float.Epsilon;
            Assert.True(Elementwise.AllFinite(row, limit));
            foreach (float special in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                for (int at = 0; at < n; at++)
                {
                    float kept = row[at];
                    row[at] = special;
                    Assert.False(Elementwise.AllFinite(row, limit), $"{special} at {at} of {n}");
                    row[at] = kept;
                }
        }
        Assert.True(Elementwise.AllFinite([], limit));
    }

    [Theory, MemberData(nameof(Widths))]
    public void Shrinking_matches_its_scalar_path_and_never_rounds_up(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
            foreach (float factor in (float[])[0.7071068f, 0.99999994f, 3e-30f, 1e-40f])
            {
                float[] original = Values(n, 4 * n);
                for (int i = 0; i < n; i += 3)
                    original[i] *= 1e-37f; // products that end subnormal, where rounding is absolute
                float[] scalar = (float[])original.Clone(), vector = (float[])original.Clone();
                Elementwise.Apply<ShrinkOperator>(scalar, factor, VectorBits.Scalar);
                Elementwise.Apply<ShrinkOperator>(vector, factor, limit);
                Assert.Equal(Bits(scalar), Bits(vector));
                for (int i = 0; i < n; i++)
                {
                    double exact = (double)original[i] * factor;
                    Assert.True(Math.Abs((double)vector[i]) <= Math.Abs(exact), $"{original[i]}·{factor} gave {vector[i]}");
                    Assert.True(Math.Sign(vector[i]) is 0 || Math.Sign(vector[i]) == Math.Sign(exact));
                    Assert.True(Math.Abs(exact - vector[i]) <= Math.Max(Math.Abs(exact) * 1.2e-7, 1.5e-45), "more than one ulp below");
                }
            }
    }

    [Theory, MemberData(nameof(Widths))]
    public void The_input_map_matches_its_scalar_path(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            float[] x = Values(n, 6 * n), offsets = Values(n, 7 * n), scales = [.. Values(n, 8 * n).Select(v => 0.25f + Math.Abs(v))];
            var (scalar, vector) = (new float[n], new float[n]);
            Elementwise.Combine<StandardizeOperator>(ref x[0], ref offsets[0], ref scales[0], ref scalar[0], n, VectorBits.Scalar);
            Elementwise.Combine<StandardizeOperator>(ref x[0], ref offsets[0], ref scales[0], ref vector[0], n, limit);
            Assert.Equal(Bits(scalar), Bits(vector));
            // The batched path (subtract, then divide, over a row) gives the same two roundings.
            for (int i = 0; i < n; i++)
            {
                float[] row = [x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i], x[i]];
                Elementwise.Apply<SubtractOperator>(row, offsets[i], limit);
                Elementwise.Apply<DivideOperator>(row, scales[i], limit);
                Assert.All(row, v => Assert.Equal(BitConverter.SingleToInt32Bits(scalar[i]), BitConverter.SingleToInt32Bits(v)));
            }
            Elementwise.Combine<QuotientOperator>(ref vector[0], ref scales[0], ref scales[0], ref vector[0], n, limit);
            Elementwise.Combine<QuotientOperator>(ref scalar[0], ref scales[0], ref scales[0], ref scalar[0], n, VectorBits.Scalar);
            Assert.Equal(Bits(scalar), Bits(vector));
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Adam_update_matches_its_scalar_path(int bits)
    {
        var limit = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            var c = new AdamCoefficients(0.9f, 0.999f, 1f / 64, 0.01f / (1 - 0.9f), 1 / MathF.Sqrt(1 - 0.999f), 1e-8f);
            float[] gradient = Values(n, 5 * n);
            (float[] p, float[] m, float[] v) Run(VectorBits bits)
            {
                float[] p = Values(n, 6 * n), m = Values(n, 7 * n), v = Values(n, 8 * n).Select(MathF.Abs).ToArray();
                for (int step = 0; step < 3; step++)
                    Elementwise.Update<AdamUpdate, AdamCoefficients>(p, gradient, m, v, c, bits);
                return (p, m, v);
            }
            var expected = Run(VectorBits.Scalar);
            var actual = Run(limit);
            Assert.Equal(Bits(expected.p), Bits(actual.p));
            Assert.Equal(Bits(expected.m), Bits(actual.m));
            Assert.Equal(Bits(expected.v), Bits(actual.v));
        }
    }

    // (outputs, inputs): narrow rows (1, 2, 4, 8 columns) and rows of one, two and many vectors at each width, ragged
    // column tails, and output counts that leave rows after the last block.
    private static readonly (int Outputs, int Inputs)[] DenseShapes =
        [(1, 1), (16, 2), (33, 2), (20, 4), (16, 8), (48, 1), (17, 3), (4, 4), (8, 8), (16, 16), (32, 32), (12, 16), (16, 40), (64, 64), (10, 100), (33, 48)];

    [Theory, MemberData(nameof(DenseWidths))]
    public void The_bfloat16_forward_pass_is_bit_for_bit_the_float_pass_on_the_same_values_at_every_width(int bits)
    {
        // The guarantee of a bfloat16 network rests on this: its layers compute exactly what float layers holding the
        // bfloat16 values compute, so the certificate, the float error bound and the verifier's search of those float
        // weights are statements about the bfloat16 network as it runs.
        foreach ((int outputs, int inputs) in DenseShapes.Concat([(16, 1), (32, 2), (16, 3), (64, 4), (24, 8), (17, 33), (128, 128), (10, 100)]))
        {
            var random = new SeededRandom((ulong)(outputs * 7919 + inputs));
            float[] w = NetworkCases.RandomVector(ref random, outputs * inputs), b = NetworkCases.RandomVector(ref random, outputs);
            float[] x = NetworkCases.RandomVector(ref random, inputs);
            ushort[] narrow = [.. w.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16))];
            float[] widened = [.. narrow.Select(u => BitConverter.UInt32BitsToSingle((uint)u << 16))];
            var (single, reduced) = (new float[outputs], new float[outputs]);
            switch ((VectorBits)bits)
            {
                case VectorBits.Bits512:
                    Dense.Forward<System.Runtime.Intrinsics.Vector512<float>, Lanes512>(in widened[0], in b[0], in x[0], ref single[0], outputs, inputs);
                    Dense.ForwardBFloat16<System.Runtime.Intrinsics.Vector512<float>, Lanes512>(in narrow[0], in b[0], in x[0], ref reduced[0], outputs, inputs);
                    break;
                case VectorBits.Bits256:
                    Dense.Forward<System.Runtime.Intrinsics.Vector256<float>, Lanes256>(in widened[0], in b[0], in x[0], ref single[0], outputs, inputs);
                    Dense.ForwardBFloat16<System.Runtime.Intrinsics.Vector256<float>, Lanes256>(in narrow[0], in b[0], in x[0], ref reduced[0], outputs, inputs);
                    break;
                case VectorBits.Bits128:
                    Dense.Forward<System.Runtime.Intrinsics.Vector128<float>, Lanes128>(in widened[0], in b[0], in x[0], ref single[0], outputs, inputs);
                    Dense.ForwardBFloat16<System.Runtime.Intrinsics.Vector128<float>, Lanes128>(in narrow[0], in b[0], in x[0], ref reduced[0], outputs, inputs);
                    break;
                default:
                    Dense.Forward<float, Lanes1>(in widened[0], in b[0], in x[0], ref single[0], outputs, inputs);
                    Dense.ForwardBFloat16<float, Lanes1>(in narrow[0], in b[0], in x[0], ref reduced[0], outputs, inputs);
                    break;
            }
            Assert.Equal(single.Select(BitConverter.SingleToInt32Bits), reduced.Select(BitConverter.SingleToInt32Bits));
            // And through the public entry points, at the machine's own width.
            Dense.Forward(in widened[0], in b[0], in x[0], ref single[0], outputs, inputs);
            Dense.ForwardBFloat16(in narrow[0], in b[0], in x[0], ref reduced[0], outputs, inputs);
            Assert.Equal(single.Select(BitConverter.SingleToInt32Bits), reduced.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory, MemberData(nameof(DenseWidths))]
    public void Dense_single_sample_kernels_are_within_the_rounding_bound_at_every_width(int bits)
    {
        foreach ((int outputs, int inputs) in DenseShapes)
        {
            var kernels = new DenseKernels(outputs, inputs, seed: (ulong)(outputs * 131 + inputs));
            kernels.RunAt((VectorBits)bits);
            kernels.Check();
        }
    }

    public static TheoryData<int> DenseWidths => new((int)VectorBits.Scalar, (int)VectorBits.Bits128, (int)VectorBits.Bits256, (int)VectorBits.Bits512);

    [Theory, MemberData(nameof(Widths))]
    public void Dot_and_axpy_are_within_the_rounding_bound_at_every_width(int bits)
    {
        var width = (VectorBits)bits;
        foreach (int n in Lengths)
        {
            float[] a = Values(n, 9 * n), b = Values(n, 10 * n), y = Values(n, 11 * n);
            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                exact += (double)a[i] * b[i];
                magnitude += Math.Abs((double)a[i] * b[i]);
            }
            float dot = Vec.Dot(ref a[0], ref b[0], n, width);
            Assert.True(Math.Abs(dot - exact) <= Verification.FloatErrorBound.Gamma(n) * magnitude, $"n = {n}: {dot} against {exact}");
            float[] result = (float[])y.Clone();
            Vec.Axpy(0.375f, ref a[0], ref result[0], n, width);
            for (int i = 0; i < n; i++)
            {
                double expected = y[i] + 0.375 * a[i];
                Assert.True(Math.Abs(result[i] - expected) <= Verification.FloatErrorBound.Gamma(2) * (Math.Abs(y[i]) + Math.Abs(0.375 * a[i])));
            }
        }
    }

    [Theory, MemberData(nameof(DenseWidths))]
    public void Blocks_of_double_dot_products_are_within_the_rounding_bound_at_every_width(int bits)
    {
        // Vec.Dot4 (four rows against one vector), which the spectral bound's matrix–vector products run on: lengths around
        // every vector width and its remainders.
        var width = (VectorBits)bits;
        foreach (int n in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 130 })
        {
            var random = new SeededRandom((ulong)n);
            int stride = n + 3;
            double[] rows = [.. NetworkCases.RandomVector(ref random, 4 * stride).Select(v => (double)v)];
            double[] others = [.. NetworkCases.RandomVector(ref random, 2 * stride).Select(v => (double)v)];
            (double d0, double d1, double d2, double d3) = Vec.Dot4(ref rows[0], stride, ref others[0], n, width);
            double[] four = [d0, d1, d2, d3];
            for (int r = 0; r < 4; r++)
            {
                double exact = 0, magnitude = 0;
                for (int l = 0; l < n; l++)
                {
                    exact += rows[r * stride + l] * others[l]; // products of floats are exact in double
                    magnitude += Math.Abs(rows[r * stride + l] * others[l]);
                }
                double allowed = 2 * Model.GramMatrix.Gamma(n + 1) * magnitude;
                Assert.True(Math.Abs(four[r] - exact) <= allowed, $"Dot4, n = {n}, row {r}: {four[r]} against {exact}");
            }
        }
    }

    [Theory, MemberData(nameof(DenseWidths))]
    public void The_Gram_kernel_is_within_the_rounding_bound_and_symmetric_at_every_width(int bits)
    {
        foreach ((int rows, int columns) in new[] { (1, 16), (3, 16), (10, 32), (64, 48), (129, 16) })
        {
            var random = new SeededRandom((ulong)(rows * 7 + columns));
            double[] a = [.. NetworkCases.RandomVector(ref random, rows * columns).Select(v => (double)v)];
            var g = new double[columns * columns];
            GramKernel.Columns(ref a[0], rows, columns, ref g[0], (VectorBits)bits);
            for (int j = 0; j < columns; j++)
                for (int k = 0; k < columns; k++)
                {
                    double exact = 0, magnitude = 0;
                    for (int r = 0; r < rows; r++)
                    {
                        exact += a[r * columns + j] * a[r * columns + k]; // products of floats are exact in double
                        magnitude += Math.Abs(a[r * columns + j] * a[r * columns + k]);
                    }
                    // Both sums are within γ·Σ|products| of the exact one.
                    Assert.True(Math.Abs(g[j * columns + k] - exact) <= 2 * Model.GramMatrix.Gamma(rows + 1) * magnitude, $"{rows}×{columns} at ({j}, {k})");
                    Assert.Equal(g[j * columns + k], g[k * columns + j]);
                }
        }
    }

    [Theory, MemberData(nameof(DenseWidths))]
    public void The_Gram_kernel_subtracts_a_block_of_rows_products_from_the_upper_triangle_at_every_width(int bits)
    {
        // The blocked Cholesky factorisation's trailing update: rows from..to of g, from the diagonal's tile on, less the
        // products of a block of rows; nothing else changes, and zero padding stays zero.
        foreach ((int rows, int from, int to, int stride) in new[] { (8, 8, 128, 128), (8, 0, 10, 16), (5, 16, 37, 48), (8, 40, 64, 64), (1, 0, 1, 16), (3, 9, 30, 32) })
        {
            var random = new SeededRandom((ulong)(rows * 131 + to));
            var g = new double[stride * stride];
            for (int j = 0; j < to; j++)
                for (int l = 0; l < to; l++)
                    g[j * stride + l] = NetworkCases.RandomVector(ref random, 1)[0];
            var a = new double[rows * stride];
            for (int r = 0; r < rows; r++)
                for (int l = 0; l < to; l++)
                    a[r * stride + l] = NetworkCases.RandomVector(ref random, 1)[0];
            double[] before = [.. g];
            GramKernel.SubtractProducts(ref a[0], rows, stride, from, to, ref g[0], (VectorBits)bits);
            for (int j = 0; j < stride; j++)
                for (int l = 0; l < stride; l++)
                {
                    if (j < from || j >= to || l < j)
                    {
                        if (j >= to || l >= to || j < from)
                            Assert.Equal(before[j * stride + l], g[j * stride + l]); // outside the block, or its zero padding
                        continue;
                    }
                    double exact = before[j * stride + l], magnitude = Math.Abs(exact);
                    for (int r = 0; r < rows; r++)
                    {
                        exact -= a[r * stride + j] * a[r * stride + l]; // products of floats are exact in double
                        magnitude += Math.Abs(a[r * stride + j] * a[r * stride + l]);
                    }
                    Assert.True(Math.Abs(g[j * stride + l] - exact) <= 2 * Model.GramMatrix.Gamma(rows + 2) * magnitude, $"{rows} rows, {from}..{to} at ({j}, {l})");
                }
        }
    }

    [Theory, MemberData(nameof(DenseWidths))]
    public void Scaling_doubles_rounds_each_product_once_at_every_width(int bits)
    {
        foreach (int n in new[] { 1, 3, 4, 7, 8, 9, 17, 64 })
        {
            var random = new SeededRandom((ulong)(n + 11));
            double[] x = [.. NetworkCases.RandomVector(ref random, n).Select(v => v / 3.0)], y = new double[n];
            Vec.Scale(1 / 7.0, ref x[0], ref y[0], n, (VectorBits)bits);
            for (int i = 0; i < n; i++)
                Assert.Equal(x[i] * (1 / 7.0), y[i]);
            double[] before = [.. x];
            Vec.Scale(-1, ref x[0], ref x[0], n, (VectorBits)bits); // in place, exact
            for (int i = 0; i < n; i++)
                Assert.Equal(-before[i], x[i]);
        }
    }

    [Theory, MemberData(nameof(DenseWidths))]
    public void Widening_with_sums_copies_exactly_and_sums_within_the_rounding_bound_at_every_width(int bits)
    {
        var width = (VectorBits)bits;
        foreach (int n in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 33, 64, 130 })
        {
            var random = new SeededRandom((ulong)(n + 5));
            float[] x = NetworkCases.RandomVector(ref random, n);
            double[] target = new double[n], sums = [.. Enumerable.Range(0, n).Select(i => 0.25 * i)];
            double largest = Vec.WidenWithSums(ref x[0], ref target[0], ref sums[0], n, out double absolute, out double squares, width);
            double exactAbsolute = 0, exactSquares = 0;
            for (int i = 0; i < n; i++)
            {
                Assert.Equal((double)x[i], target[i]);
                Assert.Equal(0.25 * i + Math.Abs((double)x[i]), sums[i]); // one addition per element, as a loop would
                exactAbsolute += Math.Abs((double)x[i]);
                exactSquares += (double)x[i] * x[i];
            }
            Assert.Equal(x.Max(v => Math.Abs((double)v)), largest);
            Assert.True(Math.Abs(absolute - exactAbsolute) <= 2 * Model.GramMatrix.Gamma(n + 1) * exactAbsolute, $"n = {n}: Σ|x| {absolute} against {exactAbsolute}");
            Assert.True(Math.Abs(squares - exactSquares) <= 2 * Model.GramMatrix.Gamma(n + 1) * exactSquares, $"n = {n}: Σx² {squares} against {exactSquares}");
            // A NaN or an infinity anywhere shows in the largest magnitude.
            foreach (float bad in new[] { float.NaN, float.NegativeInfinity })
            {
                float[] spoiled = [.. x];
                spoiled[n - 1] = bad;
                double result = Vec.WidenWithSums(ref spoiled[0], ref target[0], ref sums[0], n, out _, out _, width);
                Assert.False(result <= double.MaxValue, $"n = {n}: {bad} not seen ({result})");
            }
        }
    }

    /// <summary>The four single-sample dense kernels on one random layer, run at one width, checked against doubles.</summary>
    private sealed class DenseKernels
    {
        private readonly int _outputs, _inputs;
        private readonly float[] _w, _b, _x, _delta, _gradientStart;
        private readonly float[] _y, _inputGradient, _weightGradient, _biasGradient, _fusedWeightGradient, _fusedBiasGradient, _fusedInputGradient;

        public DenseKernels(int outputs, int inputs, ulong seed)
        {
            (_outputs, _inputs) = (outputs, inputs);
            var random = new SeededRandom(seed);
            _w = NetworkCases.RandomVector(ref random, outputs * inputs);
            _b = NetworkCases.RandomVector(ref random, outputs);
            _x = NetworkCases.RandomVector(ref random, inputs);
            _delta = NetworkCases.RandomVector(ref random, outputs);
            _gradientStart = NetworkCases.RandomVector(ref random, outputs * inputs + outputs);
            _y = new float[outputs];
            _inputGradient = new float[inputs];
            _weightGradient = _gradientStart[..(outputs * inputs)];
            _biasGradient = _gradientStart[(outputs * inputs)..];
            _fusedWeightGradient = (float[])_weightGradient.Clone();
            _fusedBiasGradient = (float[])_biasGradient.Clone();
            _fusedInputGradient = Enumerable.Repeat(float.NaN, inputs).ToArray(); // written, never read
        }

        public void RunAt(VectorBits width)
        {
            switch (width)
            {
                case VectorBits.Bits512: Run<System.Runtime.Intrinsics.Vector512<float>, Lanes512>(); break;
                case VectorBits.Bits256: Run<System.Runtime.Intrinsics.Vector256<float>, Lanes256>(); break;
                case VectorBits.Bits128: Run<System.Runtime.Intrinsics.Vector128<float>, Lanes128>(); break;
                default: Run<float, Lanes1>(); break;
            }
        }

        private void Run<TV, TL>() where TV : struct where TL : struct, ILanes<TV>
        {
            Dense.Forward<TV, TL>(in _w[0], in _b[0], in _x[0], ref _y[0], _outputs, _inputs);
            Dense.BackpropagateInput<TV, TL>(in _w[0], in _delta[0], ref _inputGradient[0], _outputs, _inputs);
            Dense.AccumulateGradients<TV, TL>(ref _weightGradient[0], ref _biasGradient[0], in _delta[0], in _x[0], _outputs, _inputs);
            Dense.Backward<TV, TL>(in _w[0], ref _fusedWeightGradient[0], ref _fusedBiasGradient[0], in _delta[0], in _x[0], ref _fusedInputGradient[0], _outputs, _inputs);
        }

        public void Check()
        {
            string shape = $"{_outputs}×{_inputs}";
            for (int o = 0; o < _outputs; o++)
            {
                double exact = _b[o], magnitude = Math.Abs(_b[o]);
                for (int i = 0; i < _inputs; i++)
                {
                    exact += (double)_w[o * _inputs + i] * _x[i];
                    magnitude += Math.Abs((double)_w[o * _inputs + i] * _x[i]);
                }
                Assert.True(Math.Abs(_y[o] - exact) <= Verification.FloatErrorBound.Gamma(_inputs + 1) * magnitude, $"{shape} forward row {o}: {_y[o]} against {exact}");
                double bias = (double)_gradientStart[_outputs * _inputs + o] + _delta[o];
                Assert.Equal(bias, _biasGradient[o], Math.Abs(bias) * 1.2e-7);
                Assert.Equal(_biasGradient[o], _fusedBiasGradient[o]);
                for (int i = 0; i < _inputs; i++)
                {
                    double start = _gradientStart[o * _inputs + i], product = (double)_delta[o] * _x[i];
                    double bound = Verification.FloatErrorBound.Gamma(2) * (Math.Abs(start) + Math.Abs(product));
                    Assert.True(Math.Abs(_weightGradient[o * _inputs + i] - (start + product)) <= bound, $"{shape} ∂W[{o}, {i}]");
                    Assert.True(Math.Abs(_fusedWeightGradient[o * _inputs + i] - (start + product)) <= bound, $"{shape} fused ∂W[{o}, {i}]");
                }
            }
            for (int i = 0; i < _inputs; i++)
            {
                double exact = 0, magnitude = 0;
                for (int o = 0; o < _outputs; o++)
                {
                    exact += (double)_w[o * _inputs + i] * _delta[o];
                    magnitude += Math.Abs((double)_w[o * _inputs + i] * _delta[o]);
                }
                double bound = Verification.FloatErrorBound.Gamma(_outputs) * magnitude;
                Assert.True(Math.Abs(_inputGradient[i] - exact) <= bound, $"{shape} input gradient {i}: {_inputGradient[i]} against {exact}");
                Assert.True(Math.Abs(_fusedInputGradient[i] - exact) <= bound, $"{shape} fused input gradient {i}: {_fusedInputGradient[i]} against {exact}");
            }
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
