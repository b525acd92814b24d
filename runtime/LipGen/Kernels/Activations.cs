using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

// The activation kernels generated code calls for one sample. Every activation has the same three members (Forward,
// ForwardRecording, Backward over a width, plus its own arguments), which is what lets the generator emit them uniformly.

/// <summary>
/// GroupSort with groups of 2 (MaxMin): every pair (a, b) becomes (min, max). A permutation within groups, hence 1-Lipschitz
/// in every ℓp norm and gradient-norm preserving. The record is a swap mask per value.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MaxMin
{
    /// <summary>MaxMin in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float values, int width) =>
        Elementwise.Forward<MaxMinOperator>(ref values, ref Unsafe.NullRef<int>(), width, recording: false);

    /// <summary>MaxMin in place, recording the swap mask of every pair in <paramref name="swapped"/> [width].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardRecording(ref float values, ref int swapped, int width) =>
        Elementwise.Forward<MaxMinOperator>(ref values, ref swapped, width, recording: true);

    /// <summary>Routes ∂L/∂output back through a recorded MaxMin: swapped pairs swap their gradients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float outputGradient, ref readonly int swapped, ref float inputGradient, int width) =>
        Elementwise.Backward<MaxMinOperator>(ref Unsafe.AsRef(in outputGradient), ref Unsafe.AsRef(in swapped), ref inputGradient, width);
}

/// <summary>
/// GroupSort with groups of any size: each contiguous group of <c>groupSize</c> values is sorted ascending, in place
/// (insertion sort: stable, and the groups are small). The record holds, for every output position, the index within its
/// group of the input it came from. Group size 2 uses <see cref="MaxMin"/>, which is vectorised.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GroupSort
{
    /// <summary>Sorts every group of <paramref name="groupSize"/> values ascending, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float values, int width, int groupSize) =>
        Sort(ref values, ref Unsafe.NullRef<int>(), stride: 1, width, groupSize, recording: false);

    /// <summary>Sorts every group ascending, in place, recording for each output position its source index in the group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardRecording(ref float values, ref int source, int width, int groupSize) =>
        Sort(ref values, ref source, stride: 1, width, groupSize, recording: true);

    /// <summary>Routes ∂L/∂output back through a recorded sort: input position source[k] receives output gradient k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float outputGradient, ref readonly int source, ref float inputGradient, int width, int groupSize) =>
        Route(ref Unsafe.AsRef(in outputGradient), ref Unsafe.AsRef(in source), ref inputGradient, stride: 1, width, groupSize);

    /// <summary>
    /// The sort of every group, whose values lie <paramref name="stride"/> apart (1 for one sample; the batch's column count
    /// for a feature-major column).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Sort(ref float values, ref int source, int stride, int width, int groupSize, bool recording)
    {
        for (int start = 0; start < width; start += groupSize)
        {
            ref float group = ref Unsafe.Add(ref values, start * stride);
            ref int from = ref recording ? ref Unsafe.Add(ref source, start * stride) : ref source;
            if (recording)
                for (int k = 0; k < groupSize; k++)
                    Unsafe.Add(ref from, k * stride) = k;
            for (int k = 1; k < groupSize; k++)
            {
                float v = Unsafe.Add(ref group, k * stride);
                int s = recording ? Unsafe.Add(ref from, k * stride) : 0;
                int j = k - 1;
                for (; j >= 0 && Unsafe.Add(ref group, j * stride) > v; j--)
                {
                    Unsafe.Add(ref group, (j + 1) * stride) = Unsafe.Add(ref group, j * stride);
                    if (recording)
                        Unsafe.Add(ref from, (j + 1) * stride) = Unsafe.Add(ref from, j * stride);
                }
                Unsafe.Add(ref group, (j + 1) * stride) = v;
                if (recording)
                    Unsafe.Add(ref from, (j + 1) * stride) = s;
            }
        }
    }

    /// <summary>The backward routing of <see cref="Sort"/>, with the same stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Route(ref float outputGradient, ref int source, ref float inputGradient, int stride, int width, int groupSize)
    {
        for (int start = 0; start < width; start += groupSize)
            for (int k = 0; k < groupSize; k++)
                Unsafe.Add(ref inputGradient, (start + Unsafe.Add(ref source, (start + k) * stride)) * stride) = Unsafe.Add(ref outputGradient, (start + k) * stride);
    }
}

/// <summary>
/// ReLU in place, for networks declared with <c>Activation = Activation.ReLU</c>. The recording pass keeps a mask (all bits
/// set where z &gt; 0) for the backward pass; the gradient at z = 0 is taken as 0.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReLU
{
    /// <summary>values = max(0, values); a NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float values, int width) =>
        Elementwise.Forward<ReLUOperator>(ref values, ref Unsafe.NullRef<int>(), width, recording: false);

    /// <summary>values = max(0, values), recording where each unit was on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardRecording(ref float values, ref int on, int width) =>
        Elementwise.Forward<ReLUOperator>(ref values, ref on, width, recording: true);

    /// <summary>∂L/∂z = ∂L/∂a where the unit was on, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float outputGradient, ref readonly int on, ref float inputGradient, int width) =>
        Elementwise.Backward<ReLUOperator>(ref Unsafe.AsRef(in outputGradient), ref Unsafe.AsRef(in on), ref inputGradient, width);
}
