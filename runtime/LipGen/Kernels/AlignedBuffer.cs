using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// Scratch floats that start on a 64-byte boundary (a cache line, one 512-bit vector). A managed float[] starts wherever
/// the allocator put it, 8 or 16 bytes past a boundary, so every 512-bit load of the batched products (and one 256-bit
/// load in two) would straddle two cache lines, a cost that varies with where a process's buffers land. On the Zen 3
/// machine of docs/benchmarks.md (256-bit), skewing these buffers by 8, 16 or 32 bytes moved whole batches by no more
/// than its noise (0–10 %); the alignment is for 512-bit hardware, where every unaligned load is split. The array lives
/// on the pinned object heap, so the offset found stays valid. Feature-major rows are whole 16-float blocks apart, so
/// every row of a buffer is aligned as its start is.
/// </summary>
internal static class AlignedBuffer
{
    private const int Alignment = 64;

    /// <summary>
    /// <paramref name="length"/> floats of <paramref name="buffer"/> from its first 64-byte boundary, grown (to at least
    /// <paramref name="minimum"/>) when too short; the contents are whatever the last user left.
    /// </summary>
    public static Span<float> Get(ref float[]? buffer, int length, int minimum = 0)
    {
        if (buffer is null || buffer.Length < length + Alignment / sizeof(float))
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, minimum) + Alignment / sizeof(float), pinned: true);
        return buffer.AsSpan(Offset(buffer), length);
    }

    /// <summary>The index of the first element of a pinned <paramref name="buffer"/> on a 64-byte boundary.</summary>
    private static unsafe int Offset(float[] buffer)
    {
        nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
    }
}
