using LipGen.Data;
using LipGen.Training;
using TwoMoons;

var data = LipGen.Data.TwoMoons.Generate(1000, 0.1, 1);
foreach (var (name, lr) in new[] { ("hinge", 0.01f) })
{
    var net = new MoonsNet();
    var sw = System.Diagnostics.Stopwatch.StartNew();
    var r = Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 200, BatchSize = 64, LearningRate = lr }, e => { if (e.Epoch % 20 == 0) Console.WriteLine(e); });
    Console.WriteLine($"{r.Final} {sw.Elapsed}");
    var net2 = new MoonsNet();
    r = Trainer.Train(net2, data, new BinaryCrossEntropyWithLogits(), new TrainingOptions { Epochs = 200, BatchSize = 64, LearningRate = lr }, e => { if (e.Epoch % 20 == 0) Console.WriteLine(e); });
    Console.WriteLine($"{r.Final} {sw.Elapsed}");
}
