using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

// A/B: one workload built against two LipGen checkouts, both builds loaded into one process (a load context each) and
// timed in interleaved rounds. Usage: Harness FIRST_DIR SECOND_DIR WORKLOAD (EpochRun, BackwardRun or StepRunM); run.sh
// builds the directories and runs both load orders, since the first-loaded build measured a few per cent slower.
string[] dirs = [args[0], args[1]];
string workload = args.Length > 2 ? args[2] : "EpochRun";
var runs = dirs.Select(d =>
{
    var alc = new Ctx(d);
    Assembly a = alc.LoadFromAssemblyPath(Path.Combine(d, "Workload.dll"));
    return (Func<double>)Delegate.CreateDelegate(typeof(Func<double>), a.GetType(workload)!.GetMethod("Run")!);
}).ToArray();
double[] losses = new double[2];
for (int v = 0; v < 2; v++) for (int i = 0; i < 30; i++) losses[v] = runs[v]();
Console.WriteLine($"result after 30 runs: {losses[0]:R} / {losses[1]:R} (same: {losses[0] == losses[1]})");
var best = new[] { double.MaxValue, double.MaxValue };
var ratios = new List<double>();
for (int round = 0; round < 30; round++)
{
    var t = new double[2];
    for (int k = 0; k < 2; k++)
    {
        int v = (round + k) % 2;
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < 10; i++) runs[v]();
        t[v] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / 10;
    }
    for (int v = 0; v < 2; v++) best[v] = Math.Min(best[v], t[v]);
    ratios.Add(t[1] / t[0]);
}
ratios.Sort();
Console.WriteLine($"{dirs[0]} best {best[0]:F3} ms, {dirs[1]} best {best[1]:F3} ms; second/first median {ratios[15]:F3} (q1 {ratios[7]:F3}, q3 {ratios[22]:F3})");

class Ctx(string dir) : AssemblyLoadContext(isCollectible: false)
{
    protected override Assembly? Load(AssemblyName name)
    {
        string path = Path.Combine(dir, name.Name + ".dll");
        return File.Exists(path) && !name.Name!.StartsWith("System.") ? LoadFromAssemblyPath(path) : null;
    }
}
