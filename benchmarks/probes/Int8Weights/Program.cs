using System.Runtime.InteropServices;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

// y = W·x for one sample, 4 rows at a time, weights streamed as float, bfloat16 or int8 (per-row scale after the sum).
// The row kernel is written once; a weight format only says how eight weights become eight floats.
unsafe interface IWeights<T> where T : unmanaged
{
    static abstract Vector256<float> Load(T* p);
}

unsafe struct FloatWeights : IWeights<float>
{
    public static Vector256<float> Load(float* p) => Avx.LoadVector256(p);
}

unsafe struct BFloat16Weights : IWeights<ushort>
{
    public static Vector256<float> Load(ushort* p) => Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(p), 16).AsSingle();
}

unsafe struct Int8Weights : IWeights<sbyte>
{
    public static Vector256<float> Load(sbyte* p) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p));
}

static unsafe class P
{
    // scale: null, or one factor per row applied after its sum (int8).
    static void Rows<T, TW>(T* w, float* scale, float* x, float* y, int rows, int n) where T : unmanaged where TW : IWeights<T>
    {
        for (int r = 0; r < rows; r += 4)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            T* w0 = w + r * n;
            for (int i = 0; i < n; i += 8)
            {
                var xv = Avx.LoadVector256(x + i);
                a0 = Fma.MultiplyAdd(TW.Load(w0 + i), xv, a0);
                a1 = Fma.MultiplyAdd(TW.Load(w0 + n + i), xv, a1);
                a2 = Fma.MultiplyAdd(TW.Load(w0 + 2 * n + i), xv, a2);
                a3 = Fma.MultiplyAdd(TW.Load(w0 + 3 * n + i), xv, a3);
            }
            y[r] = Vector256.Sum(a0); y[r + 1] = Vector256.Sum(a1); y[r + 2] = Vector256.Sum(a2); y[r + 3] = Vector256.Sum(a3);
            if (scale != null)
                for (int k = 0; k < 4; k++)
                    y[r + k] *= scale[r + k];
        }
    }

    static void Main()
    {
        foreach ((string name, int[] widths) in new[] { ("M", new[] { 16, 128, 128, 128, 1 }), ("X", new[] { 64, 384, 384, 1 }), ("L", new[] { 64, 512, 512, 1 }) })
        {
            int layers = widths.Length - 1; long total = 0;
            for (int l = 0; l < layers; l++) total += (long)widths[l] * ((widths[l + 1] + 3) / 4 * 4);
            float* wf = (float*)NativeMemory.AlignedAlloc((nuint)(total * 4), 64);
            ushort* wb = (ushort*)NativeMemory.AlignedAlloc((nuint)(total * 2), 64);
            sbyte* wi = (sbyte*)NativeMemory.AlignedAlloc((nuint)total, 64);
            float* sc = (float*)NativeMemory.AlignedAlloc(4096 * 4, 64);
            float* buf = (float*)NativeMemory.AlignedAlloc(8192 * 4, 64);
            var rnd = new Random(1);
            for (long i = 0; i < total; i++) { wf[i] = (float)(rnd.NextDouble() - 0.5) / 16; wb[i] = (ushort)(BitConverter.SingleToInt32Bits(wf[i]) >> 16); wi[i] = (sbyte)rnd.Next(-127, 128); }
            for (int i = 0; i < 4096; i++) sc[i] = 1f / 2048;
            for (int i = 0; i < 8192; i++) buf[i] = (float)rnd.NextDouble();
            void Run(int kind)
            {
                long off = 0;
                for (int l = 0; l < layers; l++)
                {
                    int n = widths[l], m = (widths[l + 1] + 3) / 4 * 4;
                    float* x = buf + (l % 2) * 4096, y = buf + ((l + 1) % 2) * 4096;
                    if (kind == 0) Rows<float, FloatWeights>(wf + off, null, x, y, m, n); else if (kind == 1) Rows<ushort, BFloat16Weights>(wb + off, null, x, y, m, n); else Rows<sbyte, Int8Weights>(wi + off, sc, x, y, m, n);
                    off += (long)n * m;
                }
            }
            string[] kinds = { "float", "bf16", "int8" };
            double[] best = { double.MaxValue, double.MaxValue, double.MaxValue };
            for (int round = 0; round < 15; round++)
                for (int k = 0; k < 3; k++)
                {
                    int reps = name == "M" ? 4000 : 400;
                    for (int i = 0; i < 50; i++) Run(k);
                    long t0 = Stopwatch.GetTimestamp();
                    for (int i = 0; i < reps; i++) Run(k);
                    best[k] = Math.Min(best[k], (Stopwatch.GetTimestamp() - t0) * 1e6 / Stopwatch.Frequency / reps);
                }
            Console.WriteLine($"{name} ({total * 4 / 1024} KB float): float {best[0]:F2} us, bf16 {best[1]:F2} us ({best[1] / best[0]:F2}x), int8 {best[2]:F2} us ({best[2] / best[0]:F2}x)");
        }
    }
}
