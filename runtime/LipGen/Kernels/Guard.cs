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
