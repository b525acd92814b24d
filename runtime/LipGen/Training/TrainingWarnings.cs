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
    /// Regression targets faster than the bound allows: a sound ceiling on the R² that any network with this declaration (its
    /// bound, input map and output map as they are) can reach on <paramref name="data"/>, and a warning when it is below
    /// <see cref="ReachableRSquared"/>. For disjoint pairs of samples, output k of such a network moves by at most
    /// Lₖ·‖(xᵢ − xⱼ) ⊘ scale‖_p (Lₖ the declared bound times the output map's scale), so each pair's squared errors sum to at
    /// least (|tᵢₖ − tⱼₖ| − Lₖ·d)₊² / 2. Two pairings of the samples sorted by target (lowest with highest, and each with the one
    /// half the data above it) give two such lower bounds on Σ(f − t)², and the larger is compared with Σ(t − t̄)², pooled over
    /// the outputs as <see cref="Evaluation.RSquared"/> is.
    /// </summary>
    internal static string? TargetSpread<TKernel>(ReadOnlySpan<float> parameters, Dataset data) where TKernel : struct, ILipschitzKernel
    {
        double ceiling = RSquaredCeiling<TKernel>(parameters, data);
        if (!(ceiling < ReachableRSquared))
            return null;
        NetworkDescription description = TKernel.Description;
        return Text.Format(
            $"no network with this declaration can fit these targets: its outputs move by at most {description.DeclaredBound:G4}{(description.HasOutputMap ? " × the output map's scale" : "")} per unit of ‖Δx‖_{NetworkDescription.FormatNorm(description.P)}{(description.HasInputMap ? " (inputs in the map's units)" : "")}, and pairs of training samples differ by more, so R² on them is at most {ceiling:F3} whatever the weights. {(description.HasOutputMap ? "Fit the output map to the targets (OutputMaps.Fit), or declare a larger Lipschitz bound." : "λ is in output units per input unit: declare the network with ScaleOutputs = true and call OutputMaps.Fit(network, trainingData) to train on the targets in their own units, or declare a larger Lipschitz bound.")}");
    }

    /// <summary>The ceiling on R² described at <see cref="TargetSpread"/>: NaN when the targets do not vary.</summary>
    internal static double RSquaredCeiling<TKernel>(ReadOnlySpan<float> parameters, Dataset data) where TKernel : struct, ILipschitzKernel
    {
        NetworkDescription description = TKernel.Description;
        int count = data.Count, n = data.InputWidth, m = data.TargetWidth;
        var difference = new double[n];
        float[]? scales = description.HasInputMap ? parameters.Slice(description.InputScaleOffset, n).ToArray() : null;
        double Distance(int a, int b)
        {
            ReadOnlySpan<float> x = data.Input(a), y = data.Input(b);
            for (int i = 0; i < n; i++)
                difference[i] = ((double)x[i] - y[i]) / (scales is null ? 1 : scales[i]);
            return Verification.LipschitzVerifier.Norm(difference, description.P);
        }
        var order = new int[count];
        var keys = new float[count];
        double lowerBound = 0, variation = 0;
        for (int k = 0; k < m; k++)
        {
            double slope = description.DeclaredBound * (description.HasOutputMap ? parameters[description.OutputScaleOffset + k] : 1);
            double mean = 0;
            for (int r = 0; r < count; r++)
            {
                order[r] = r;
                keys[r] = data.Target(r)[k];
                mean += keys[r];
            }
            mean /= count;
            for (int r = 0; r < count; r++)
                variation += (keys[r] - mean) * (keys[r] - mean);
            Array.Sort(keys, order);
            double PairBound(int a, int b)
            {
                double excess = Math.Abs((double)keys[a] - keys[b]) - slope * Distance(order[a], order[b]);
                return excess > 0 ? excess * excess / 2 : 0;
            }
            double extremes = 0, halves = 0;
            for (int a = 0; a < count / 2; a++)
            {
                extremes += PairBound(a, count - 1 - a);
                halves += PairBound(a, a + (count + 1) / 2);
            }
            lowerBound += Math.Max(extremes, halves);
        }
        return variation > 0 ? 1 - lowerBound / variation : double.NaN;
    }

    /// <summary>Below this ceiling on R², the bound alone keeps a network from explaining half the targets' variance: a warning.</summary>
    internal const double ReachableRSquared = 0.5;
}
