using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>Argument checks for generated code: cheap inlined tests, with the throwing kept out of line.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Throws unless <paramref name="span"/> has exactly <paramref name="expected"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(ReadOnlySpan<float> span, int expected, string name, string what)
    {
        if (span.Length != expected)
            ThrowLength(span.Length, expected, name, what);
    }

    /// <summary>Throws unless <paramref name="span"/> (bfloat16 weights) has exactly <paramref name="expected"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(ReadOnlySpan<ushort> span, int expected, string name, string what)
    {
        if (span.Length != expected)
            ThrowLength(span.Length, expected, name, what);
    }

    /// <summary>Throws unless <paramref name="span"/> has at least <paramref name="expected"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MinimumLength(ReadOnlySpan<float> span, int expected, string name, string what)
    {
        if (span.Length < expected)
            ThrowMinimumLength(span.Length, expected, name, what);
    }

    /// <summary>Throws unless <paramref name="columns"/> is a positive multiple of <see cref="Batched.BatchLayout.ColumnMultiple"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Columns(int columns, string what)
    {
        if (columns <= 0 || columns % Batched.BatchLayout.ColumnMultiple != 0)
            ThrowColumns(columns, what);
    }

    /// <summary>Fills <paramref name="result"/> with NaN unless every value of <paramref name="output"/> is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NaNUnlessFinite(ReadOnlySpan<float> output, Span<float> result)
    {
        foreach (float value in output)
            if (!float.IsFinite(value))
            {
                result.Fill(float.NaN);
                return;
            }
    }

    /// <summary>
    /// Throws, naming the layer and the row (or the bias), unless every parameter is finite; nothing is changed. One
    /// vectorised pass in the common case; the plan is walked only to name the culprit.
    /// </summary>
    public static void FiniteParameters(ReadOnlySpan<float> parameters, NetworkDescription description)
    {
        if (AllFinite(parameters))
            return;
        ThrowNonFinite(parameters, description);
    }

    /// <summary>
    /// Throws, naming the input, unless every scale of the input map is a finite, normal, positive float
    /// (<c>InputMapStep.ScaleProblem</c>): the map divides by it, a negative scale would silently reverse the input's
    /// monotone direction, and a subnormal one overflows z.
    /// </summary>
    public static void PositiveScales(ReadOnlySpan<float> scales, NetworkDescription description)
    {
        for (int i = 0; i < scales.Length; i++)
            if (Model.InputMapStep.ScaleProblem(scales[i]) is { } problem)
                throw new ArgumentException($"{description.Name}: the input map's scale for input {i} is {scales[i]}; {problem}.", "parameters");
    }

    /// <summary>
    /// Throws, naming the output, unless every scale of the output map is a finite, normal, positive float
    /// (<c>OutputMapStep.ScaleProblem</c>): a negative scale would reverse the output and every monotone direction with it.
    /// </summary>
    public static void PositiveOutputScales(ReadOnlySpan<float> scales, NetworkDescription description)
    {
        for (int i = 0; i < scales.Length; i++)
            if (Model.OutputMapStep.ScaleProblem(scales[i]) is { } problem)
                throw new ArgumentException($"{description.Name}: the output map's scale for output {i} is {scales[i]}; {problem}.", "parameters");
    }

    /// <summary>
    /// Throws unless <paramref name="bound"/> is a bound a layer can be projected onto: between 2⁻¹⁰⁰ and float.MaxValue
    /// (<c>NetworkPlan.MinimumBound</c>, <c>MaximumBound</c>). Below it rescaled weights would be subnormal floats.
    /// </summary>
    internal static void LayerBound(double bound, string name)
    {
        if (!(bound >= Model.NetworkPlan.MinimumBound && bound <= Model.NetworkPlan.MaximumBound))
            throw new ArgumentOutOfRangeException(name, bound,
                $"A layer's bound must lie between 2⁻¹⁰⁰ (about 7.9E-31) and float.MaxValue; {bound} cannot be projected onto (rescaled weights would be subnormal or overflow).");
    }

    /// <summary>True when no value is NaN or ±∞ (one vectorised pass, in float).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values) => Elementwise.AllFinite(values);

    [DoesNotReturn]
    private static void ThrowNonFinite(ReadOnlySpan<float> parameters, NetworkDescription description)
    {
        // The plan's regions, in parameter order: the first one holding a value that is not finite is named.
        foreach (Model.ParameterRegion region in description.Plan.Regions)
        {
            int columns = region.Shape.Length == 2 ? (int)region.Shape[1] : 1;
            for (int i = 0; i < region.Count; i++)
            {
                float value = parameters[region.Offset + i];
                if (float.IsFinite(value))
                    continue;
                string where = region.Owner is Model.DenseStep layer
                    ? region.Role == Model.RegionRole.Bias ? $"layer {layer.Number}, bias {i}" : $"layer {layer.Number}, row {i / columns} of W"
                    : $"{region.Name}, element {i}";
                throw new ArgumentException(
                    $"{description.Name}: {where} holds {value}{(columns > 1 ? $" (column {i % columns})" : "")}; non-finite weights cannot be projected onto the constraint.",
                    nameof(parameters));
            }
        }
        throw new ArgumentException($"{description.Name}: a parameter is not finite.", nameof(parameters));
    }

    [DoesNotReturn]
    private static void ThrowColumns(int columns, string what) =>
        throw new ArgumentOutOfRangeException(nameof(columns), columns, $"{what} needs a positive multiple of {Batched.BatchLayout.ColumnMultiple} columns (pad the batch with zero columns).");

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string name, string what) =>
        throw new ArgumentException($"{name} has {actual} elements; {what} needs exactly {expected}.", name);

    [DoesNotReturn]
    private static void ThrowMinimumLength(int actual, int expected, string name, string what) =>
        throw new ArgumentException($"{name} has {actual} elements; {what} needs at least {expected}.", name);
}
