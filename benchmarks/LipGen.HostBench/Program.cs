using System.Diagnostics;
using System.Runtime.Intrinsics;
using LipGen;
using LipGen.Benchmarks;
using LipGen.Training;

// The host harness: what BenchmarkDotNet cannot measure on a machine without .NET. Published as NativeAOT (prepare.sh),
// run there by host-run.sh. One line a figure, tab-separated: figure, network, threads, value, unit. Each time is the
// median of --rounds timed loops (each at least --loop-ms long) after a warm-up; figures of one kind run interleaved over
// the thread counts, so a noisy minute spreads over all of them rather than landing on one.
int rounds = Option("--rounds", 7);
double loopMs = Option("--loop-ms", 40);
int[] threads = Environment.GetCommandLineArgs().SkipWhile(a => a != "--threads").Skip(1).FirstOrDefault() is string list
    ? [.. list.Split(',').Select(int.Parse)]
    : [.. new[] { 1, 2, 4, 8, 16 }.Where(t => t <= Environment.ProcessorCount)];

Console.WriteLine($"# LipGen host harness; {Environment.ProcessorCount} cores; {(System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT")}; "
    + $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}; "
    + $"{rounds} rounds; threads {string.Join(',', threads)}; {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
Console.WriteLine("figure\tnetwork\tthreads\tvalue\tunit");
var warmed = new HashSet<System.Reflection.MethodInfo>();
Peak();
Size<SmallNet, SmallNet.Kernel>("S", 2_240);
Size<MediumNet, MediumNet.Kernel>("M", 69_888);
Size<LargeNet, LargeNet.Kernel>("L", 590_848);
return 0;

void Size<TNetwork, TKernel>(string name, double flopsPerSample)
    where TNetwork : ILipschitzNetwork<TKernel>, new() where TKernel : struct, ILipschitzKernel
{
    const int batch = 4096, stepBatch = 256;
    var network = new TNetwork();
    network.Initialize(1);
    (float[] input, float[] inputs, float[] stepInputs, float[] stepTargets) = SizeData.Create(TKernel.InputCount, TKernel.OutputCount, batch, stepBatch);
    var output = new float[TKernel.OutputCount];
    var outputs = new float[batch * TKernel.OutputCount];

    double single = Median(() => network.Forward(input, output));
    Emit("1 sample", name, 1, single * 1e9, "ns");

    // Batches and training steps, interleaved over the thread counts.
    var sessions = threads.Select(t =>
    {
        var trained = new TNetwork();
        trained.Initialize(1);
        return new TrainingSession<TKernel, HingeLoss>(trained, new HingeLoss(0.1f), learningRate: 1e-4) { MaxDegreeOfParallelism = t };
    }).ToArray();
    var batchTimes = threads.Select(_ => new List<double>()).ToArray();
    var stepTimes = threads.Select(_ => new List<double>()).ToArray();
    for (int round = 0; round < rounds; round++)
        for (int t = 0; t < threads.Length; t++)
        {
            int degree = threads[t];
            batchTimes[t].Add(Loop(() => network.ForwardBatch(inputs, outputs, maxDegreeOfParallelism: degree)));
            TrainingSession<TKernel, HingeLoss> session = sessions[t];
            stepTimes[t].Add(Loop(() => session.Step(stepInputs, stepTargets)));
        }
    for (int t = 0; t < threads.Length; t++)
    {
        double seconds = MedianOf(batchTimes[t]);
        Emit("batch 4096", name, threads[t], batch / seconds, "samples/s");
        Emit("batch 4096", name, threads[t], batch * flopsPerSample / seconds / 1e9, "GFLOP/s");
        Emit("training step 256", name, threads[t], MedianOf(stepTimes[t]) * 1e6, "us");
    }

    // The same bits at every thread count: a batch's outputs, and the weights after 20 steps from the same start.
    var outputHashes = new List<ulong>();
    var weightHashes = new List<ulong>();
    foreach (int degree in threads)
    {
        network.ForwardBatch(inputs, outputs, maxDegreeOfParallelism: degree);
        outputHashes.Add(Hash(outputs));
        var trained = new TNetwork();
        trained.Initialize(1);
        var session = new TrainingSession<TKernel, HingeLoss>(trained, new HingeLoss(0.1f), learningRate: 1e-3) { MaxDegreeOfParallelism = degree };
        for (int i = 0; i < 20; i++)
            session.Step(stepInputs, stepTargets);
        weightHashes.Add(Hash(trained.Parameters));
    }
    Emit("outputs identical over thread counts", name, threads.Max(), outputHashes.Distinct().Count() == 1 ? 1 : 0, "yes=1");
    Emit("weights after 20 steps identical over thread counts", name, threads.Max(), weightHashes.Distinct().Count() == 1 ? 1 : 0, "yes=1");
}

// One core's fp32 FMA rate at the widest accelerated width: ten independent chains of fused multiply-adds.
void Peak()
{
    double best = 0;
    for (int round = 0; round < rounds; round++)
    {
        const int steps = 1 << 22;
        long start = Stopwatch.GetTimestamp();
        float sink = Vector512.IsHardwareAccelerated ? Chains<Vector512<float>>(steps)
            : Vector256.IsHardwareAccelerated ? Chains<Vector256<float>>(steps) : Chains<Vector128<float>>(steps);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        best = Math.Max(best, 10.0 * steps * lanes * 2 / seconds / 1e9 + (sink == 12345 ? 1e-9 : 0));
    }
    Emit("fp32 FMA peak, one core", "-", 1, best, "GFLOP/s");
}

static float Chains<T>(int steps) where T : struct
{
    if (typeof(T) == typeof(Vector512<float>))
    {
        Vector512<float> m = Vector512.Create(0.999f), a = Vector512.Create(0.001f), c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a;
        for (int i = 0; i < steps; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a); c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a); c4 = Vector512.FusedMultiplyAdd(c4, m, a);
            c5 = Vector512.FusedMultiplyAdd(c5, m, a); c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a); c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9);
    }
    if (typeof(T) == typeof(Vector256<float>))
    {
        Vector256<float> m = Vector256.Create(0.999f), a = Vector256.Create(0.001f), c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a;
        for (int i = 0; i < steps; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a); c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a); c4 = Vector256.FusedMultiplyAdd(c4, m, a);
            c5 = Vector256.FusedMultiplyAdd(c5, m, a); c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a); c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9);
    }
    {
        Vector128<float> m = Vector128.Create(0.999f), a = Vector128.Create(0.001f), c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a;
        for (int i = 0; i < steps; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, m, a); c1 = Vector128.FusedMultiplyAdd(c1, m, a); c2 = Vector128.FusedMultiplyAdd(c2, m, a); c3 = Vector128.FusedMultiplyAdd(c3, m, a); c4 = Vector128.FusedMultiplyAdd(c4, m, a);
            c5 = Vector128.FusedMultiplyAdd(c5, m, a); c6 = Vector128.FusedMultiplyAdd(c6, m, a); c7 = Vector128.FusedMultiplyAdd(c7, m, a); c8 = Vector128.FusedMultiplyAdd(c8, m, a); c9 = Vector128.FusedMultiplyAdd(c9, m, a);
        }
        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9);
    }
}

// Seconds per call: a loop of at least loopMs, its repetitions calibrated once by a warm-up. The first loop of each piece
// of work runs it for 300 ms first, which under the JIT lets tiered compilation finish (NativeAOT has nothing to wait for).
double Loop(Action work)
{
    if (warmed.Add(work.Method))
        for (long start = Stopwatch.GetTimestamp(); Stopwatch.GetElapsedTime(start).TotalMilliseconds < 300;)
            work();
    work();
    int repetitions = 1;
    for (long start = Stopwatch.GetTimestamp(); Stopwatch.GetElapsedTime(start).TotalMilliseconds < loopMs / 4; repetitions *= 2)
        for (int i = 0; i < repetitions; i++)
            work();
    long begin = Stopwatch.GetTimestamp();
    for (int i = 0; i < repetitions; i++)
        work();
    return Stopwatch.GetElapsedTime(begin).TotalSeconds / repetitions;
}

double Median(Action work) => MedianOf(Enumerable.Range(0, rounds).Select(_ => Loop(work)).ToList());

static double MedianOf(List<double> values)
{
    values.Sort();
    return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
}

static ulong Hash(ReadOnlySpan<float> values)
{
    ulong hash = 14695981039346656037; // FNV-1a over the bits
    foreach (float value in values)
        hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(value)) * 1099511628211;
    return hash;
}

static void Emit(string figure, string network, int threads, double value, string unit) =>
    Console.WriteLine($"{figure}\t{network}\t{threads}\t{value:G6}\t{unit}");

static int Option(string name, int fallback)
{
    string[] args = Environment.GetCommandLineArgs();
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : fallback;
}
