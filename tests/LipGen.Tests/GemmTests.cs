using System.Runtime.CompilerServices;
using LipGen.Kernels;
using LipGen.Kernels.Batched;
using LipGen.Verification;
using MaxMin = LipGen.Kernels.Batched.MaxMin;

namespace LipGen.Tests;

/// <summary>
/// The register-blocked products of the batched passes at every vector width and the scalar path: against a double
/// reference within the rounding-error bound γₙ·Σ|w||x|, with every activation epilogue bit for bit equal to the activation
/// applied afterwards, and with results that do not depend on how columns or rows are split between threads.
/// </summary>
public class GemmTests
{
    public static TheoryData<int> Widths => new((int)VectorBits.Scalar, (int)VectorBits.Bits128, (int)VectorBits.Bits256, (int)VectorBits.Bits512, (int)VectorBits.All);

    // (rows, depth, columns): single and remainder rows (after blocks of 4 or 6: 4, 2 and 1 left), depths of 1 and odd, and column counts that leave 1, 2 and 3
    // 512-bit vectors after the 64-column blocks; x read in place (at most Gemm.SmallX floats) and packed (above it: the
    // 32 × 32 × 272 and 14 × 130 × 80 shapes), and a single row streamed (1 × 130 × 80).
    private static readonly (int Rows, int Depth, int Columns)[] Shapes =
        [(1, 1, 16), (2, 3, 16), (4, 5, 48), (5, 6, 48), (6, 16, 80), (14, 7, 144), (32, 32, 272), (10, 130, 32), (1, 64, 96), (16, 9, 48), (20, 5, 32), (3, 4, 16), (14, 130, 80), (1, 130, 80)];

    private static float[] Random(int length, ulong seed)
    {
        var random = new SeededRandom(seed);
        return NetworkCases.RandomVector(ref random, length);
    }

    private static void Product<TEpilogue>(float[] w, nint rowStride, nint depthStride, float[]? bias, float[] x, float[] y, int[]? record,
        int rows, int depth, int columns, VectorBits limit, int begin = 0, int end = -1) where TEpilogue : struct, IEpilogue =>
        Gemm.Product<TEpilogue>(ref w[0], rowStride, depthStride, ref bias is null ? ref Unsafe.NullRef<float>() : ref bias[0], bias is not null,
            ref x[0], ref y[0], ref record is null ? ref Unsafe.NullRef<int>() : ref record[0], rows, depth, columns, begin, end < 0 ? columns : end, limit);

    [Theory, MemberData(nameof(Widths))]
    public void Product_is_within_the_rounding_bound_of_a_double_reference(int bits)
    {
        var limit = (VectorBits)bits;
        foreach ((int rows, int depth, int columns) in Shapes)
        {
            float[] w = Random(rows * depth, 1), b = Random(rows, 2), x = Random(depth * columns, 3), y = new float[rows * columns];
            Product<NoEpilogue>(w, depth, 1, b, x, y, null, rows, depth, columns, limit);
            double gamma = FloatErrorBound.Gamma(depth + 1);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    double exact = b[r], magnitude = Math.Abs(b[r]);
                    for (int k = 0; k < depth; k++)
                    {
                        exact += (double)w[r * depth + k] * x[k * columns + c];
                        magnitude += Math.Abs((double)w[r * depth + k] * x[k * columns + c]);
                    }
                    Assert.True(Math.Abs(y[r * columns + c] - exact) <= gamma * magnitude,
                        $"{rows}×{depth}×{columns} at ({r}, {c}): {y[r * columns + c]} against {exact}");
                }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void A_single_row_over_a_large_x_streams_to_the_bits_of_the_register_block(int bits)
    {
        // One row over more than Gemm.SmallX floats of x takes the row stream; a pair of equal rows takes the register
        // block. Each element must get the same operations in the same order: chunk ends, four-row passes and the rows
        // after them, and a split of the columns.
        var limit = (VectorBits)bits;
        foreach ((int depth, int columns) in new[] { (130, 80), (7, 1200), (1, 9008), (64, 512) })
        {
            Assert.True((long)depth * columns > Gemm.SmallX);
            float[] w = Random(depth, 10), b = Random(1, 11), x = Random(depth * columns, 12);
            float[] pair = [.. w, .. w], pairBias = [b[0], b[0]];
            var single = new float[columns];
            var both = new float[2 * columns];
            Product<NoEpilogue>(w, depth, 1, b, x, single, null, 1, depth, columns, limit);
            Product<NoEpilogue>(pair, depth, 1, pairBias, x, both, null, 2, depth, columns, limit);
            Assert.Equal(both.Take(columns).Select(BitConverter.SingleToInt32Bits), single.Select(BitConverter.SingleToInt32Bits));
            var split = new float[columns];
            Product<NoEpilogue>(w, depth, 1, b, x, split, null, 1, depth, columns, limit, 0, columns / 32 * 16);
            Product<NoEpilogue>(w, depth, 1, b, x, split, null, 1, depth, columns, limit, columns / 32 * 16, columns);
            Assert.Equal(single.Select(BitConverter.SingleToInt32Bits), split.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Depths_of_one_and_two_give_the_register_blocks_bits(int bits)
    {
        // A depth of 1 or 2 runs row pairs along the columns; padded with zero weights to a depth of 3 the same product
        // runs on the register blocks. fma(0, x, a) is a for a ≠ 0, so the outputs and the MaxMin masks must agree bit
        // for bit: pairs and a last single row, with and without bias, forward (recording) and routed like Wᵀ.
        var limit = (VectorBits)bits;
        foreach ((int rows, int depth, int columns) in new[] { (32, 2, 128), (12, 1, 48), (7, 2, 32), (1, 1, 16), (6, 2, 80) })
        {
            float[] w = Random(rows * depth, 20), b = Random(rows, 21), x = Random(3 * columns, 22);
            float[] padded = new float[rows * 3];
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < depth; k++)
                    padded[r * 3 + k] = w[r * depth + k];
            foreach (float[]? bias in new[] { b, null })
            {
                var shallow = new float[rows * columns];
                var blocked = new float[rows * columns];
                Product<NoEpilogue>(w, depth, 1, bias, x, shallow, null, rows, depth, columns, limit);
                Product<NoEpilogue>(padded, 3, 1, bias, x, blocked, null, rows, 3, columns, limit);
                Assert.Equal(blocked.Select(BitConverter.SingleToInt32Bits), shallow.Select(BitConverter.SingleToInt32Bits));
                if (rows % 2 != 0)
                    continue;
                int[] shallowMask = new int[rows / 2 * columns], blockedMask = new int[rows / 2 * columns];
                Product<MaxMinEpilogue<MaxMin.Order>>(w, depth, 1, bias, x, shallow, shallowMask, rows, depth, columns, limit);
                Product<MaxMinEpilogue<MaxMin.Order>>(padded, 3, 1, bias, x, blocked, blockedMask, rows, 3, columns, limit);
                Assert.Equal(blocked.Select(BitConverter.SingleToInt32Bits), shallow.Select(BitConverter.SingleToInt32Bits));
                Assert.Equal(blockedMask, shallowMask);
                // Routed, as Wᵀ (row stride 1, depth stride rows): the masks just recorded decide the swaps.
                float[] transposed = new float[depth * rows], transposedPadded = new float[3 * rows];
                for (int r = 0; r < rows; r++)
                    for (int k = 0; k < depth; k++)
                        transposed[k * rows + r] = transposedPadded[k * rows + r] = w[r * depth + k];
                Product<MaxMinEpilogue<MaxMin.Route>>(transposed, 1, rows, null, x, shallow, shallowMask, rows, depth, columns, limit);
                Product<MaxMinEpilogue<MaxMin.Route>>(transposedPadded, 1, rows, null, x, blocked, shallowMask, rows, 3, columns, limit);
                Assert.Equal(blocked.Select(BitConverter.SingleToInt32Bits), shallow.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void MaxMin_epilogues_equal_MaxMin_after_the_product(int bits)
    {
        var limit = (VectorBits)bits;
        foreach ((int rows, int depth, int columns) in Shapes.Where(shape => shape.Rows % 2 == 0))
        {
            float[] w = Random(rows * depth, 4), b = Random(rows, 5), x = Random(depth * columns, 6);
            var plain = new float[rows * columns];
            Product<NoEpilogue>(w, depth, 1, b, x, plain, null, rows, depth, columns, limit);
            var sorted = new float[rows * columns];
            var mask = new int[rows / 2 * columns];
            Product<MaxMinEpilogue<MaxMin.Order>>(w, depth, 1, b, x, sorted, mask, rows, depth, columns, limit);
            var unrecorded = new float[rows * columns];
            Product<MaxMinEpilogue<MaxMin.Sort>>(w, depth, 1, b, x, unrecorded, new int[mask.Length], rows, depth, columns, limit);
            for (int pair = 0; pair < rows / 2; pair++)
                for (int c = 0; c < columns; c++)
                {
                    float low = plain[2 * pair * columns + c], high = plain[(2 * pair + 1) * columns + c];
                    bool swap = low > high;
                    Assert.Equal(swap ? -1 : 0, mask[pair * columns + c]);
                    Assert.Equal(swap ? high : low, sorted[2 * pair * columns + c]);
                    Assert.Equal(swap ? low : high, sorted[(2 * pair + 1) * columns + c]);
                }
            Assert.Equal(sorted, unrecorded);
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void The_routed_transpose_product_equals_the_route_after_it_even_in_place(int bits)
    {
        var limit = (VectorBits)bits;
        foreach ((int outputs, int inputs, int columns) in Shapes.Where(shape => shape.Depth % 2 == 0))
        {
            // ∂a = Wᵀ·δ for W [outputs × inputs]: rows of Wᵀ are W's columns (row stride 1, depth stride inputs).
            float[] w = Random(outputs * inputs, 7), delta = Random(outputs * columns, 8);
            int[] mask = Random(inputs / 2 * columns, 9).Select(v => v > 0 ? -1 : 0).ToArray();
            var plain = new float[inputs * columns];
            Product<NoEpilogue>(w, 1, inputs, null, delta, plain, null, inputs, outputs, columns, limit);
            var routed = new float[inputs * columns];
            Product<MaxMinEpilogue<MaxMin.Route>>(w, 1, inputs, null, delta, routed, mask, inputs, outputs, columns, limit);
            for (int pair = 0; pair < inputs / 2; pair++)
                for (int c = 0; c < columns; c++)
                {
                    bool swap = mask[pair * columns + c] != 0;
                    float low = plain[2 * pair * columns + c], high = plain[(2 * pair + 1) * columns + c];
                    Assert.Equal(swap ? high : low, routed[2 * pair * columns + c]);
                    Assert.Equal(swap ? low : high, routed[(2 * pair + 1) * columns + c]);
                }
            // The generated backward pass writes the routed gradient over δ itself.
            var shared = new float[Math.Max(inputs, outputs) * columns];
            delta.CopyTo(shared, 0);
            Product<MaxMinEpilogue<MaxMin.Route>>(w, 1, inputs, null, shared, shared, mask, inputs, outputs, columns, limit);
            Assert.Equal(routed, shared.AsSpan(0, inputs * columns).ToArray());
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Splitting_the_columns_changes_no_bit(int bits)
    {
        var limit = (VectorBits)bits;
        foreach ((int rows, int depth, int columns) in Shapes.Where(shape => shape.Columns >= 32 && shape.Rows % 2 == 0))
        {
            float[] w = Random(rows * depth, 10), b = Random(rows, 11), x = Random(depth * columns, 12);
            var whole = new float[rows * columns];
            var wholeMask = new int[rows / 2 * columns];
            Product<MaxMinEpilogue<MaxMin.Order>>(w, depth, 1, b, x, whole, wholeMask, rows, depth, columns, limit);
            var split = new float[rows * columns];
            var splitMask = new int[rows / 2 * columns];
            int middle = columns / 32 * 16; // a multiple of 16 that cuts a 64-column block
            Product<MaxMinEpilogue<MaxMin.Order>>(w, depth, 1, b, x, split, splitMask, rows, depth, columns, limit, 0, middle);
            Product<MaxMinEpilogue<MaxMin.Order>>(w, depth, 1, b, x, split, splitMask, rows, depth, columns, limit, middle, columns);
            Assert.Equal(whole, split);
            Assert.Equal(wholeMask, splitMask);
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Weight_gradient_is_within_the_rounding_bound_and_splits_by_rows_bit_for_bit(int bits)
    {
        var limit = (VectorBits)bits;
        foreach ((int outputs, int inputs, int columns) in Shapes)
        {
            float[] d = Random(outputs * columns, 13), x = Random(inputs * columns, 14);
            var g = new float[outputs * inputs];
            var gb = new float[outputs];
            Gemm.OuterProduct(ref g[0], ref gb[0], ref d[0], ref x[0], inputs, columns, columns, 0, outputs, limit);
            double gamma = FloatErrorBound.Gamma(columns + 1);
            for (int o = 0; o < outputs; o++)
            {
                double biasExact = 0, biasMagnitude = 0;
                for (int c = 0; c < columns; c++)
                {
                    biasExact += d[o * columns + c];
                    biasMagnitude += Math.Abs(d[o * columns + c]);
                }
                Assert.True(Math.Abs(gb[o] - biasExact) <= gamma * biasMagnitude);
                for (int i = 0; i < inputs; i++)
                {
                    double exact = 0, magnitude = 0;
                    for (int c = 0; c < columns; c++)
                    {
                        exact += (double)d[o * columns + c] * x[i * columns + c];
                        magnitude += Math.Abs((double)d[o * columns + c] * x[i * columns + c]);
                    }
                    Assert.True(Math.Abs(g[o * inputs + i] - exact) <= gamma * magnitude, $"{outputs}×{inputs}×{columns} at ({o}, {i})");
                }
            }
            var split = new float[outputs * inputs];
            var splitBias = new float[outputs];
            int middle = outputs / 2 / 4 * 4;
            Gemm.OuterProduct(ref split[0], ref splitBias[0], ref d[0], ref x[0], inputs, columns, columns, 0, middle, limit);
            Gemm.OuterProduct(ref split[0], ref splitBias[0], ref d[0], ref x[0], inputs, columns, columns, middle, outputs, limit);
            Assert.Equal(g, split);
            Assert.Equal(gb, splitBias);
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void A_single_row_of_the_weight_gradient_gives_each_input_the_bits_it_gets_alone(int bits)
    {
        // One row of d (a one-output layer, or the row after the last block of four) runs eight inputs a pass, then
        // smaller blocks; each input's sum must be the one it gets as the only input, bit for bit.
        var limit = (VectorBits)bits;
        foreach ((int inputs, int columns) in new[] { (32, 128), (19, 48), (8, 16), (64, 4112) })
        {
            float[] d = Random(columns, 15), x = Random(inputs * columns, 16);
            var g = new float[inputs];
            var gb = new float[1];
            Gemm.OuterProduct(ref g[0], ref gb[0], ref d[0], ref x[0], inputs, columns, columns, 0, 1, limit);
            for (int i = 0; i < inputs; i++)
            {
                var alone = new float[1];
                var aloneBias = new float[1];
                Gemm.OuterProduct(ref alone[0], ref aloneBias[0], ref d[0], ref x[i * columns], 1, columns, columns, 0, 1, limit);
                Assert.Equal(BitConverter.SingleToInt32Bits(alone[0]), BitConverter.SingleToInt32Bits(g[i]));
                Assert.Equal(BitConverter.SingleToInt32Bits(aloneBias[0]), BitConverter.SingleToInt32Bits(gb[0]));
            }
        }
    }
}
