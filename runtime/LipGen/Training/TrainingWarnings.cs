using LipGen.Data;

namespace LipGen.Training;

/// <summary>What a finished run can say went wrong without an error: each warning names what to change.</summary>
internal static class TrainingWarnings
{
    public static IReadOnlyList<string> Of<TKernel>(ILipschitzNetwork<TKernel> network, Dataset data, bool classification, double initialLoss, IReadOnlyList<EpochReport> epochs)
        where TKernel : struct, ILipschitzKernel
    {
        var warnings = new List<string>();
        Diverging(epochs, classification, initialLoss, warnings);
        if (!classification && TargetSpread<TKernel>(network.Parameters, data) is { } spread)
            warnings.Add(spread);
        return warnings;
    }

    /// <summary>
    /// A loss that ended above the untrained network's, a loss that climbed back far above its lowest, or accuracy that fell
    /// ten points below its best: the signs of a learning rate too high for the constrained network.
    /// </summary>
    private static void Diverging(IReadOnlyList<EpochReport> epochs, bool classification, double initialLoss, List<string> warnings)
    {
        if (epochs.Count == 0)
            return;
        const string Advice = "the learning rate may be too high (lower TrainingOptions.LearningRate, or add a LearningRateSchedule)";
        int lowest = 0, bestAccuracy = 0;
        for (int e = 1; e < epochs.Count; e++)
        {
            if (epochs[e].Loss < epochs[lowest].Loss)
                lowest = e;
            if (epochs[e].Accuracy > epochs[bestAccuracy].Accuracy)
                bestAccuracy = e;
        }
        EpochReport first = epochs[0], last = epochs[^1], low = epochs[lowest];
        if (last.Loss > initialLoss)
            warnings.Add(Text.Format($"the training loss ended at {last.Loss:G4}, above the {initialLoss:G4} of the network before training: {Advice}."));
        else if (last.Loss > 1.5 * low.Loss && last.Loss - low.Loss > 0.25 * (first.Loss - low.Loss))
            warnings.Add(Text.Format($"the training loss rose from {low.Loss:G4} (epoch {low.Epoch}) to {last.Loss:G4} (epoch {last.Epoch}): {Advice}."));
        if (classification && last.Accuracy < epochs[bestAccuracy].Accuracy - 0.1)
            warnings.Add(Text.Format($"training accuracy fell from {epochs[bestAccuracy].Accuracy:P1} (epoch {epochs[bestAccuracy].Epoch}) to {last.Accuracy:P1}: {Advice}."));
    }

    /// <summary>
    /// Regression targets that span more than the network can: over the inputs' box, f moves by at most
    /// λ·(1 + ‖s‖_q for a monotone residual)·max 1/scale·‖box‖_p, the declared bound in raw input units.
    /// </summary>
    internal static string? TargetSpread<TKernel>(ReadOnlySpan<float> parameters, Dataset data) where TKernel : struct, ILipschitzKernel
    {
        NetworkDescription description = TKernel.Description;
        int n = data.InputWidth, m = data.TargetWidth;
        var low = new double[n];
        var high = new double[n];
        Array.Fill(low, double.PositiveInfinity);
        Array.Fill(high, double.NegativeInfinity);
        var targetLow = new double[m];
        var targetHigh = new double[m];
        Array.Fill(targetLow, double.PositiveInfinity);
        Array.Fill(targetHigh, double.NegativeInfinity);
        for (int r = 0; r < data.Count; r++)
        {
            ReadOnlySpan<float> x = data.Input(r), t = data.Target(r);
            for (int i = 0; i < n; i++)
            {
                low[i] = Math.Min(low[i], x[i]);
                high[i] = Math.Max(high[i], x[i]);
            }
            for (int k = 0; k < m; k++)
            {
                targetLow[k] = Math.Min(targetLow[k], t[k]);
                targetHigh[k] = Math.Max(targetHigh[k], t[k]);
            }
        }
        var box = new double[n];
        double stretch = description.HasInputMap ? 0 : 1; // ‖diag(1/scale)‖_{p→p} of an input map
        for (int i = 0; i < n; i++)
        {
            box[i] = high[i] - low[i];
            if (description.HasInputMap)
                stretch = Math.Max(stretch, 1 / (double)parameters[description.InputScaleOffset + i]);
        }
        // ‖diag(s)‖ of an output map: the core's reach, in the outputs' units.
        double outputScale = description.HasOutputMap ? 0 : 1;
        for (int k = 0; k < m && description.HasOutputMap; k++)
            outputScale = Math.Max(outputScale, parameters[description.OutputScaleOffset + k]);
        double reach = description.DeclaredBound * stretch * outputScale * Verification.LipschitzVerifier.Norm(box, description.P);
        int widest = 0;
        for (int k = 1; k < m; k++)
            if (targetHigh[k] - targetLow[k] > targetHigh[widest] - targetLow[widest])
                widest = k;
        double spread = targetHigh[widest] - targetLow[widest];
        if (!(spread > 2 * reach))
            return null;
        string output = m == 1 ? "the targets span" : $"target column {widest} spans";
        return Text.Format(
            $"{output} {spread:G4}, but over the inputs' range (‖box‖ = {Verification.LipschitzVerifier.Norm(box, description.P):G4} in ℓ{description.P:G3}) a network with bound {description.DeclaredBound:G4} can move its output by at most {reach:G4}: it cannot fit them. {(description.HasOutputMap ? "Fit the output map to the targets (OutputMaps.Fit), or declare a larger Lipschitz bound." : "λ is in output units per input unit: declare the network with ScaleOutputs = true and call OutputMaps.Fit(network, trainingData) to train on the targets in their own units, or declare a larger Lipschitz bound.")}");
    }
}
