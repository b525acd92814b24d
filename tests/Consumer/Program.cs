// Uses the installed package as a user would: two networks declared here, generated at build time, trained, verified.
// Exits non-zero, saying why, if anything is off. The first argument is the package file, whose contents are checked.
using System.IO.Compression;
using LipGen;
using LipGen.Data;
using LipGen.Training;
using LipGen.Verification;

int failures = 0;
void Check(bool condition, string what)
{
    Console.WriteLine($"{(condition ? "ok  " : "FAIL")} {what}");
    if (!condition)
        failures++;
}

// The package: the runtime with its XML docs, the generator and code fix as analyzers, nothing from tests or samples.
using (ZipArchive package = ZipFile.OpenRead(args[0]))
{
    string[] files = package.Entries.Select(e => e.FullName).ToArray();
    Check(files.Contains("lib/net10.0/LipGen.dll") && files.Contains("lib/net10.0/LipGen.xml"), "lib/net10.0 holds LipGen.dll and its XML docs");
    Check(files.Contains("analyzers/dotnet/cs/LipGen.Generator.dll"), "analyzers/dotnet/cs holds the generator and analyzer");
    Check(files.Contains("analyzers/dotnet/cs/LipGen.CodeFixes.dll"), "analyzers/dotnet/cs holds the code fix");
    Check(files.Contains("README.md"), "the package has its readme");
    string[] stray = files.Where(f => f.EndsWith(".dll", StringComparison.Ordinal)
        && (f.Contains("Test", StringComparison.Ordinal) || f.Contains("Sample", StringComparison.Ordinal) || f.Contains("Benchmark", StringComparison.Ordinal)
            || f.Contains("TwoMoons", StringComparison.Ordinal) || f.Contains("Embedded", StringComparison.Ordinal) || f.Contains("AbsoluteValue", StringComparison.Ordinal))).ToArray();
    Check(stray.Length == 0, $"no test, sample or benchmark assemblies ({string.Join(", ", stray)})");
}

var moons = new MoonsNet();
Dataset data = TwoMoons.Generate(400, noise: 0.1, seed: 1);
TrainingResult result = Trainer.Train(moons, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 30, LearningRate = 0.01f, Seed = 1 });
Console.WriteLine($"     two moons after 30 epochs: accuracy {result.Final.Accuracy:P1}, certificate {moons.LipschitzBound():F6}");
Check(result.Final.Accuracy > 0.9, "training works");
Check(moons.LipschitzBound() <= 1, "the certificate is within λ = 1");
VerificationReport report = LipschitzVerifier.Verify(moons, data, new VerificationOptions { AttackStarts = 8, AttackSteps = 20 });
Check(report.Status == VerificationStatus.Verified, "the verifier confirms it");

var three = new ThreeClasses();
var output = new float[ThreeClasses.OutputCount];
three.Forward([0.1f, -0.2f, 0.3f, 0.4f], output);
Check(output.All(float.IsFinite), "a second network with three outputs runs");
Check(three.LipschitzBound() <= 2, "its certificate is within λ = 2");

Console.WriteLine(failures == 0 ? "consumer: all checks passed" : $"consumer: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

[LipschitzNetwork(2, 16, 16, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1)]
public partial class MoonsNet;

[LipschitzNetwork(4, 12, 3, GroupSize = 4, P = Norm.L2, Lipschitz = 2)]
public partial class ThreeClasses;
