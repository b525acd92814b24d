using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels.Batched;

/// <summary>The input map z = (x − offset) / scale on a feature-major batch [inputs × columns].</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class InputMap
{
    /// <summary>Row i of mapped = (row i of input − offsets[i]) / scales[i], with the single-sample path's two roundings.</summary>
    public static void Forward(ref readonly float offsets, ref readonly float scales, ref readonly float input, ref float mapped, int inputs, int columns)
    {
        for (int i = 0; i < inputs; i++)
        {
            Span<float> row = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref mapped, i * columns), columns);
            System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref Unsafe.AsRef(in input), i * columns), columns).CopyTo(row);
            Elementwise.Apply<SubtractOperator>(row, Unsafe.Add(ref Unsafe.AsRef(in offsets), i));
            Elementwise.Apply<DivideOperator>(row, Unsafe.Add(ref Unsafe.AsRef(in scales), i));
        }
    }
}

/// <summary>The output map y = offset + scale·g on a feature-major batch [outputs × columns].</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OutputMap
{
    /// <summary>Row k of output = offsets[k] + scales[k]·(row k of core), with the single-sample path's two roundings.</summary>
    public static void Forward(ref readonly float offsets, ref readonly float scales, ref readonly float core, ref float output, int outputs, int columns)
    {
        for (int k = 0; k < outputs; k++)
        {
            Span<float> row = Row(ref output, k, columns);
            Row(ref Unsafe.AsRef(in core), k, columns).CopyTo(row);
            Elementwise.Apply<ScaleOperator>(row, Unsafe.Add(ref Unsafe.AsRef(in scales), k));
            Elementwise.Apply<ShiftOperator>(row, Unsafe.Add(ref Unsafe.AsRef(in offsets), k));
        }
    }

    /// <summary>Row k of coreGradient = scales[k]·(row k of outputGradient): from ∂L/∂y to ∂L/∂g.</summary>
    public static void Backward(ref readonly float scales, ref readonly float outputGradient, ref float coreGradient, int outputs, int columns)
    {
        for (int k = 0; k < outputs; k++)
        {
            Span<float> row = Row(ref coreGradient, k, columns);
            Row(ref Unsafe.AsRef(in outputGradient), k, columns).CopyTo(row);
            Elementwise.Apply<ScaleOperator>(row, Unsafe.Add(ref Unsafe.AsRef(in scales), k));
        }
    }

    private static Span<float> Row(ref float block, int row, int columns) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref block, row * columns), columns);
}

/// <summary>The monotone residual on a feature-major batch: every output row gets Σᵢ aᵢ·(row i of the input) added.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MonotoneResidual
{
    /// <summary>Row k of output += Σᵢ slopes[i]·(row i of input), for every output k; inputs with slope 0 are skipped.</summary>
    public static void Forward(ref readonly float slopes, ref readonly float input, ref float output, int inputs, int outputs, int columns)
    {
        for (int k = 0; k < outputs; k++)
            for (int i = 0; i < inputs; i++)
            {
                float slope = Unsafe.Add(ref Unsafe.AsRef(in slopes), i);
                if (slope != 0)
                    Vec.Axpy(slope, ref Unsafe.Add(ref Unsafe.AsRef(in input), i * columns), ref Unsafe.Add(ref output, k * columns), columns);
            }
    }
}
