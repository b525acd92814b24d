using LipGen.Data;
using LipGen.Training;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

public class AllocationTests
{
    [Fact]
    public void Forward_backward_and_training_steps_do_not_allocate()
    {
        var net = new MoonsNet();
        Dataset data = TwoMoons.Generate(128, noise: 0.1, seed: 1);
        var session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(net, new HingeLoss(0.1f), 1e-3f);
        float[] x = [0.1f, 0.2f];
        var y = new float[1];
        float[] batch = data.Inputs[..(16 * 2)].ToArray();
        float[] targets = data.Targets[..16].ToArray();
        var outputs = new float[16];
        var gradient = new float[MoonsNet.ParameterCount];
        var inputGradient = new float[2];
        float[] one = [1f];

        void Calls()
        {
            net.Forward(x, y);
            net.ForwardBatch(batch, outputs);
            net.Backward(batch, outputs, gradient);
            net.InputGradient(x, one, inputGradient);
            session.Step(batch, targets);
            net.Project();
            _ = net.LipschitzBound();
        }

        for (int i = 0; i < 10; i++) // first calls allocate the lazy workspace and the shuffle order
        {
            Calls();
            session.RunEpoch(data, 32);
        }
        // Three windows, and the least they allocated: a call that allocates does so in every window, a one-time
        // allocation on this thread by the runtime only in one. (In the full suite, twice in about a dozen runs, one
        // window counted 6 944 bytes that never showed with this test alone, also with tier-up delayed; what the
        // runtime allocated there was not found.)
        long least = long.MaxValue;
        for (int window = 0; window < 3 && least != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
                Calls();
            for (int i = 0; i < 20; i++)
                session.RunEpoch(data, 32);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
    }
}
