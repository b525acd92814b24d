using System.Diagnostics;
using System.Globalization;
using EmbeddedInference;
using LipGen.Data;

// Inference with compiled-in weights: no file, no allocation, nothing to load at start-up. Publish it natively with
//   dotnet publish samples/EmbeddedInference -c Release -r linux-x64 -p:PublishAot=true -o out/embedded
// and run out/embedded/EmbeddedInference.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Console.WriteLine($"{EmbeddedMoons.Description} — weights from {EmbeddedMoons.WeightsFile}, {EmbeddedMoons.ParameterCount} parameters");
Console.WriteLine($"certified Lipschitz bound: {EmbeddedMoons.LipschitzBound():F6}");

Dataset test = TwoMoons.Generate(2000, noise: 0.1, seed: 42);
int correct = 0;
for (int i = 0; i < test.Count; i++)
    if (EmbeddedMoons.Forward(test.Input(i)) >= 0 == test.Target(i)[0] > 0)
        correct++;
Console.WriteLine($"accuracy on 2000 fresh two-moons points: {(double)correct / test.Count:P1}");

// Latency: many single-sample calls over the test points, after a warm-up.
ReadOnlySpan<float> inputs = test.Inputs;
float sink = 0;
for (int i = 0; i < 200_000; i++)
    sink += EmbeddedMoons.Forward(inputs.Slice(2 * (i % test.Count), 2));
const int calls = 5_000_000;
long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
long start = Stopwatch.GetTimestamp();
for (int i = 0; i < calls; i++)
    sink += EmbeddedMoons.Forward(inputs.Slice(2 * (i % test.Count), 2));
TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
Console.WriteLine($"latency: {elapsed.TotalNanoseconds / calls:F1} ns per sample over {calls:N0} calls ({(IsNativeAot() ? "NativeAOT" : "JIT")}), {allocated} bytes allocated");
return sink == float.PositiveInfinity ? 1 : 0; // keeps the calls from being optimised away

// NativeAOT compiles everything ahead of time and cannot generate code at run time.
static bool IsNativeAot() => !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported;
