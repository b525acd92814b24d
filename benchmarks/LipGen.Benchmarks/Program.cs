using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
