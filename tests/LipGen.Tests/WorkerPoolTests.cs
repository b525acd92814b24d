using LipGen.Kernels;

namespace LipGen.Tests;

/// <summary>The batched kernels' thread pool: every part runs once, nested jobs and failures come back to the caller.</summary>
public class WorkerPoolTests
{
    private sealed class Counting(int parts, ParallelJob? nested = null) : ParallelJob
    {
        public readonly int[] Runs = new int[parts];

        public override void Run(int part, int total)
        {
            Assert.Equal(Runs.Length, total);
            Interlocked.Increment(ref Runs[part]);
            if (nested is not null)
                WorkerPool.Run(nested, 3); // on the caller's thread and on a worker: must run serially, not deadlock
        }
    }

    private sealed class Failing : ParallelJob
    {
        public override void Run(int part, int parts)
        {
            if (part == parts - 1)
                throw new InvalidOperationException($"part {part} failed");
        }
    }

    [Fact]
    public void Every_part_runs_exactly_once_over_many_jobs()
    {
        for (int round = 0; round < 2000; round++)
        {
            var job = new Counting(1 + round % 5);
            WorkerPool.Run(job, job.Runs.Length);
            Assert.All(job.Runs, runs => Assert.Equal(1, runs));
        }
    }

    [Fact]
    public async Task A_job_started_inside_a_job_runs_on_its_own_thread_and_completes()
    {
        var inner = new Counting(3);
        var outer = new Counting(4, inner);
        await Task.Run(() => WorkerPool.Run(outer, 4)).WaitAsync(TimeSpan.FromSeconds(30)); // a deadlock times out
        Assert.All(outer.Runs, runs => Assert.Equal(1, runs));
        Assert.All(inner.Runs, runs => Assert.Equal(4, runs)); // once per outer part
    }

    [Fact]
    public void A_failing_part_throws_on_the_caller_and_the_pool_stays_usable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(new Failing(), 2));
        Assert.Equal("part 1 failed", error.Message);
        var job = new Counting(2);
        WorkerPool.Run(job, 2);
        Assert.All(job.Runs, runs => Assert.Equal(1, runs));
    }

    [Fact]
    public void Products_never_split_into_parts_smaller_than_the_floor_whatever_the_degree()
    {
        foreach (int degree in new[] { 1, 2, 4, 8, 16, 64 })
        {
            using WorkerPool.Scope scope = WorkerPool.Use(degree);
            foreach (long work in new[] { 1L << 10, (1L << 20) - 1, 1L << 20, 3L << 19, 128L * 128 * 256, 512L * 512 * 256, 1L << 40 })
                foreach (int pieces in new[] { 1, 3, 32, 1024 })
                {
                    int parts = LipGen.Kernels.Batched.Dense.Parts(work, pieces);
                    Assert.InRange(parts, 1, Math.Max(1, Math.Min(degree, pieces)));
                    if (parts > 1)
                        Assert.True(work / parts >= 1 << 19, $"{work} multiply-adds in {parts} parts at degree {degree}");
                    if (work >= 1 << 20 && degree > 1 && pieces > 1)
                        Assert.True(parts >= 2, $"{work} multiply-adds stayed on one thread at degree {degree}");
                }
        }
        using (WorkerPool.Use(16))
            Assert.Equal(8, LipGen.Kernels.Batched.Dense.Parts(128L * 128 * 256, 16)); // the M step's products: the Xeon's best
    }
}
