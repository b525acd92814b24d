using LipGen;
using LipGen.Data;
using LipGen.Training;

public static class EpochRun
{
    private static TrainingSession<MoonsNet.Kernel, HingeLoss>? s_session;
    private static Dataset? s_moons;

    /// <summary>One S epoch (10 000 two-moons points, batches of 128, hinge, Adam, projection), one thread; returns its loss.</summary>
    public static double Run()
    {
        if (s_session is null)
        {
            s_moons = TwoMoons.Generate(10_000, noise: 0.1, seed: 1);
            var net = new MoonsNet();
            net.Initialize(1);
            s_session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(net, new HingeLoss(0.1f), 1e-3) { MaxDegreeOfParallelism = 1 };
        }
        return s_session.RunEpoch(s_moons!, 128).Loss;
    }
}

[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1)]
public partial class MoonsNet;

public static class BackwardRun
{
    private static float[]? s_p, s_x, s_y, s_g, s_grad, s_w;

    /// <summary>100 batched backward passes of the two-moons network over 128 samples.</summary>
    public static double Run()
    {
        const int columns = 128;
        if (s_p is null)
        {
            var net = new MoonsNet();
            net.Initialize(1);
            s_p = net.Parameters.ToArray();
            s_x = new float[2 * columns]; s_y = new float[columns]; s_g = new float[columns]; s_grad = new float[MoonsNet.ParameterCount];
            s_w = new float[MoonsNet.Kernel.WorkspaceLength * columns];
            var r = new Random(1);
            for (int i = 0; i < s_x.Length; i++) s_x[i] = (float)(r.NextDouble() * 2 - 1);
            for (int i = 0; i < s_g.Length; i++) s_g[i] = (float)(r.NextDouble() - 0.5);
            MoonsNet.Kernel.ForwardBatchRecording(s_p, s_x, s_y, columns, s_w);
        }
        for (int i = 0; i < 100; i++)
            MoonsNet.Kernel.BackwardBatchFromRecording(s_p, s_x!, s_g!, s_grad!, columns, s_w!);
        return s_grad![0];
    }
}

public static class StepRunM
{
    private static TrainingSession<MNet.Kernel, HingeLoss>? s_session;
    private static float[]? s_x, s_t;

    /// <summary>Five training steps of M (16-128-128-128-1) on a batch of 256, one thread.</summary>
    public static double Run()
    {
        if (s_session is null)
        {
            var net = new MNet();
            net.Initialize(1);
            s_session = new TrainingSession<MNet.Kernel, HingeLoss>(net, new HingeLoss(0.1f), 1e-4) { MaxDegreeOfParallelism = 1 };
            var r = new Random(1);
            s_x = Enumerable.Range(0, 256 * 16).Select(_ => (float)(2 * r.NextDouble() - 1)).ToArray();
            s_t = Enumerable.Range(0, 256).Select(i => s_x[i * 16] > 0 ? 1f : -1f).ToArray();
        }
        double loss = 0;
        for (int i = 0; i < 5; i++)
            loss += s_session.Step(s_x!, s_t!).LossSum;
        return loss;
    }
}

[LipschitzNetwork(16, 128, 128, 128, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1)]
public partial class MNet;

public static class BatchRunM
{
    /// <summary>One batched forward pass of M over 4 096 samples, one thread; returns an output.</summary>
    public static double Run() => Batches<MNet>.Run();
}

public static class BatchRunL
{
    /// <summary>One batched forward pass of L (64-512-512-1) over 4 096 samples, one thread; returns an output.</summary>
    public static double Run() => Batches<LNet>.Run();
}

/// <summary>A seeded batch of 4 096 through a network, one thread, for the batch workloads.</summary>
internal static class Batches<TNet> where TNet : ILipschitzNetwork, new()
{
    private static TNet? s_net;
    private static float[]? s_x, s_y;

    public static double Run()
    {
        if (s_net is null)
        {
            s_net = new TNet();
            s_net.Initialize(1);
            var r = new Random(1);
            s_x = Enumerable.Range(0, 4096 * s_net.Description.InputCount).Select(_ => (float)(2 * r.NextDouble() - 1)).ToArray();
            s_y = new float[4096];
        }
        s_net.ForwardBatch(s_x, s_y, maxDegreeOfParallelism: 1);
        return s_y![4095];
    }
}

[LipschitzNetwork(64, 512, 512, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1)]
public partial class LNet;
