using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*'
// Before/after in one run: check the older commit out beside this one (git worktree add /tmp/lipgen-old <commit>), then
// dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --compare-with /tmp/lipgen-old --filter '*NetworkBenchmarks*'
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
