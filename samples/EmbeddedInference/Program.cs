using System.Diagnostics;
using System.Globalization;
using EmbeddedInference;
using LipGen.Data;

// Inference with compiled-in weights: no file, no allocation, nothing to load at start-up. Publish it natively with
//   dotnet publish samples/EmbeddedInference -c Release -r linux-x64 -p:PublishAot=true -o out/embedded
// and run out/embedded/EmbeddedInference.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Dataset test = TwoMoons.Generate(2000, noise: 0.1, seed: 42);
float sink = 0;
Console.WriteLine($"{EmbeddedMoons.Description} — weights from {EmbeddedMoons.WeightsFile}, {EmbeddedMoons.ParameterCount} parameters");
int weights = EmbeddedMoonsBFloat16.BFloat16Weights.Length; // the dense layers' weights (biases stay floats in both)
Console.WriteLine($"float:    {Report(EmbeddedMoons.Forward, EmbeddedMoons.LipschitzBound(), weights * sizeof(float))}");
Console.WriteLine($"bfloat16: {Report(EmbeddedMoonsBFloat16.Forward, EmbeddedMoonsBFloat16.LipschitzBound(), weights * sizeof(ushort))}");
double largestChange = 0;
for (int i = 0; i < test.Count; i++)
    largestChange = Math.Max(largestChange, Math.Abs(EmbeddedMoonsBFloat16.Forward(test.Input(i)) - EmbeddedMoons.Forward(test.Input(i))));
Console.WriteLine($"largest output change from bfloat16 weights over the test points: {largestChange:G3}");
return sink == float.PositiveInfinity ? 1 : 0; // keeps the calls from being optimised away

// Accuracy on the test points, the certificate and the single-sample latency (many calls after a warm-up) of one network.
string Report(Func<ReadOnlySpan<float>, float> forward, double certificate, int weightBytes)
{
    int correct = 0;
    for (int i = 0; i < test.Count; i++)
        if (forward(test.Input(i)) >= 0 == test.Target(i)[0] > 0)
            correct++;
    ReadOnlySpan<float> inputs = test.Inputs;
    for (int i = 0; i < 200_000; i++)
        sink += forward(inputs.Slice(2 * (i % test.Count), 2));
    const int calls = 5_000_000;
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i < calls; i++)
        sink += forward(inputs.Slice(2 * (i % test.Count), 2));
    TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    return $"certified L̂ {certificate:F6}, accuracy on 2000 fresh two-moons points {(double)correct / test.Count:P1}, {weightBytes:N0} bytes of weights, "
        + $"{elapsed.TotalNanoseconds / calls:F1} ns per sample over {calls:N0} calls ({(IsNativeAot() ? "NativeAOT" : "JIT")}), {allocated} bytes allocated";
}

// NativeAOT compiles everything ahead of time and cannot generate code at run time.
static bool IsNativeAot() => !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported;
