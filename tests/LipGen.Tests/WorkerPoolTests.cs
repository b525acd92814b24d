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
}
