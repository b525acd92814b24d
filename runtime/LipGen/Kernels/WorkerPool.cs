using System.Runtime.ExceptionServices;

namespace LipGen.Kernels;

/// <summary>A piece of work split into numbered parts; each part's range is fixed by its number, so results never depend on which thread ran it.</summary>
internal abstract class ParallelJob
{
    public abstract void Run(int part, int parts);
}

/// <summary>
/// The threads of the batched kernels: a fixed set of background workers that spin briefly between jobs (a training step
/// calls several products within microseconds) and then sleep. Dispatching allocates nothing, unlike
/// <c>Parallel.For</c>, whose delegates and tasks allocate on every call. One job runs at a time: a caller that finds
/// the pool busy, or a job started from inside a job (on the caller's thread or a worker), runs all parts itself.
/// </summary>
internal static class WorkerPool
{
    // About a millisecond of spinning (plain reads of a volatile field, about a nanosecond each) before a worker sleeps:
    // long enough for the products of a training step, which follow each other within microseconds, short enough not to
    // hold a core long after a ForwardBatch returns.
    private const int SpinIterations = 1_000_000;

    private static readonly object Gate = new(); // held by the caller for the whole job
    private static readonly object Signal = new(); // workers sleep on it between jobs
    private static Thread[] _workers = [];
    private static ParallelJob? _job;
    private static int _parts, _nextPart, _pending, _generation, _active;
    private static Exception? _failure;

    /// <summary>The degree of parallelism the batched kernels use on this thread (1 unless a caller set it with <see cref="Use"/>).</summary>
    [ThreadStatic] private static int t_degree;

    [ThreadStatic] private static bool t_isWorker;

    public static int Degree => Math.Max(1, t_degree);

    /// <summary>Sets <see cref="Degree"/> on this thread until the scope is disposed.</summary>
    public static Scope Use(int degree)
    {
        int previous = t_degree;
        t_degree = degree;
        return new Scope(previous);
    }

    public readonly struct Scope(int previous) : IDisposable
    {
        public void Dispose() => t_degree = previous;
    }

    /// <summary>Turns a user's degree (−1 for every core, or a positive count) into a thread count.</summary>
    public static int Resolve(int maxDegreeOfParallelism, string parameterName)
    {
        if (maxDegreeOfParallelism == -1)
            return Environment.ProcessorCount;
        if (maxDegreeOfParallelism < 1)
            throw new ArgumentOutOfRangeException(parameterName, maxDegreeOfParallelism, "The degree of parallelism must be −1 (every core) or at least 1.");
        return maxDegreeOfParallelism;
    }

    /// <summary>Runs parts 0 … parts − 1 of <paramref name="job"/>, on this thread and up to parts − 1 workers, and returns when all are done.</summary>
    public static void Run(ParallelJob job, int parts)
    {
        // Monitor is reentrant, so a job started from inside a job on the calling thread must be caught before TryEnter.
        if (parts <= 1 || Monitor.IsEntered(Gate) || t_isWorker || !Monitor.TryEnter(Gate))
        {
            for (int part = 0; part < parts; part++)
                job.Run(part, parts);
            return;
        }
        try
        {
            EnsureWorkers(parts - 1);
            lock (Signal)
            {
                // A worker still leaving the previous job may yet touch the part counter: wait it out before resetting.
                // Workers join a job only under this lock, so none can start while the new one is being set up.
                for (int spins = 1; Volatile.Read(ref _active) != 0; spins++)
                    if (spins % 65536 == 0)
                        Thread.Yield();
                _job = job;
                _parts = parts;
                _nextPart = 0;
                _failure = null;
                _pending = parts;
                _generation++;
                Monitor.PulseAll(Signal);
            }
            RunParts(job, parts);
            // No PAUSE-based waiting (SpinWait), here or in the workers: in a virtual machine a loop of PAUSE instructions
            // makes the hypervisor take the core away (pause-loop exiting), and the products of a training step then ran
            // no faster on two threads than on one. Plain reads keep the core; a yield now and then lets others run.
            for (int spins = 1; Volatile.Read(ref _pending) != 0; spins++)
                if (spins % 65536 == 0)
                    Thread.Yield();
            if (_failure is { } failure)
                ExceptionDispatchInfo.Capture(failure).Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void RunParts(ParallelJob job, int parts)
    {
        int part;
        while ((part = Interlocked.Increment(ref _nextPart) - 1) < parts)
        {
            try
            {
                job.Run(part, parts);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count)
            return;
        var workers = new Thread[count];
        Array.Copy(_workers, workers, _workers.Length);
        for (int i = _workers.Length; i < count; i++)
        {
            workers[i] = new Thread(Work) { IsBackground = true, Name = $"LipGen worker {i + 1}" };
            workers[i].Start();
        }
        _workers = workers;
    }

    private static void Work()
    {
        t_isWorker = true;
        int seen;
        lock (Signal)
            seen = _generation;
        while (true)
        {
            for (int spins = 0; Volatile.Read(ref _generation) == seen && spins < SpinIterations; spins++)
            {
            }
            ParallelJob job;
            int parts;
            lock (Signal)
            {
                while (_generation == seen)
                    Monitor.Wait(Signal);
                seen = _generation;
                job = _job!;
                parts = _parts;
                Interlocked.Increment(ref _active);
            }
            RunParts(job, parts);
            Interlocked.Decrement(ref _active);
        }
    }
}
