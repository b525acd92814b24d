using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*'
// Before/after in one run: check the older commit out beside this one (git worktree add /tmp/lipgen-old <commit>), then
// dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --compare-with /tmp/lipgen-old --filter '*NetworkBenchmarks*'
// PyTorch on the same networks and data (benchmarks/pytorch/README.md):
// dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --export-peers DIR, then /usr/bin/python3 benchmarks/pytorch/bench.py DIR
int export = Array.IndexOf(args, "--export-peers");
if (export >= 0)
{
    string directory = Path.GetFullPath(args[export + 1]);
    LipGen.Benchmarks.SmallNetBenchmarks.Export(directory, "S");
    LipGen.Benchmarks.MediumNetBenchmarks.Export(directory, "M");
    LipGen.Benchmarks.LargeNetBenchmarks.Export(directory, "L");
    LipGen.Data.Dataset moons = LipGen.Data.TwoMoons.Generate(10_000, noise: 0.1, seed: 1);
    File.WriteAllBytes(Path.Combine(directory, "moons-inputs.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(moons.Inputs).ToArray());
    File.WriteAllBytes(Path.Combine(directory, "moons-targets.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(moons.Targets).ToArray());
    Console.WriteLine($"Wrote the S, M and L networks, their data and the two-moons epoch data to {directory}.");
    return;
}
// The throughput plot: dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*Throughput*' --exporters json
// then: dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --plot-throughput BenchmarkDotNet.Artifacts/results docs/throughput.png
int plot = Array.IndexOf(args, "--plot-throughput");
if (plot >= 0)
{
    LipGen.Benchmarks.ThroughputPlot.Draw(args[plot + 1], args[plot + 2]);
    return;
}
int compare = Array.IndexOf(args, "--compare-with");
if (compare < 0)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return;
}
string older = Path.GetFullPath(args[compare + 1]);
IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default.WithId("before").WithArguments([new MsBuildArgument($"/p:LipGenSource={older}")]).AsBaseline())
    .AddJob(Job.Default.WithId("after"));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args[..compare], .. args[(compare + 2)..]], config);
