// The monotone residual of Kitouni, Nolte and Williams. Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// The monotone residual, last in the plan: every output gets c·Σᵢ sᵢ·zᵢ added (in place), where z is the (mapped) input, s
/// the declared signs and c ≥ λ the declared λ as a float. Since |∂g/∂zᵢ| ≤ λ for the constrained part g,
/// sᵢ·∂f/∂zᵢ ≥ c − λ ≥ 0. It has no parameters of its own.
/// </summary>
internal sealed class MonotoneResidualStep : PlanStep
{
    private readonly ValueSlot[] _inputs;

    public MonotoneResidualStep(ValueSlot input, ValueSlot output, int[] signs, float coefficient, double q)
    {
        _inputs = new[] { input, output };
        Output = output;
        Signs = signs;
        Coefficient = coefficient;
        Q = q;
    }

    /// <summary>The dual q of the input norm p: the residual's slopes are measured in ℓq.</summary>
    public double Q { get; }

    /// <summary>The (mapped) input z the residual reads.</summary>
    public ValueSlot Input => _inputs[0];

    /// <summary>Reads z, and the output g it adds to in place.</summary>
    public override IReadOnlyList<ValueSlot> Reads => _inputs;

    public override ValueSlot Output { get; }

    /// <summary>One sign per input: +1 non-decreasing, −1 non-increasing, 0 free.</summary>
    public IReadOnlyList<int> Signs { get; }

    /// <summary>c: λ rounded up to a float.</summary>
    public float Coefficient { get; }

    /// <summary>The coefficient as the network runs, in the file: with <c>MonotoneResidual</c> it need not be λ's.</summary>
    public override IEnumerable<KeyValuePair<string, string>> Metadata =>
        new[] { new KeyValuePair<string, string>(IO.NetworkMetadata.ResidualCoefficientKey, Coefficient.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) };

    /// <summary>The number of outputs it is added to (every output gets the same term).</summary>
    public int Outputs => Output.Width;

    /// <summary>Number of inputs.</summary>
    public int Inputs => Signs.Count;

    /// <summary>The number of monotone inputs (non-zero signs).</summary>
    public int MonotoneCount
    {
        get
        {
            int count = 0;
            for (int i = 0; i < Signs.Count; i++)
                count += Signs[i] != 0 ? 1 : 0;
            return count;
        }
    }

    public override T Accept<T>(IPlanVisitor<T> visitor) => visitor.Visit(this);

    /// <summary>In parallel: ‖∇f‖_q ≤ ‖∇g‖_q + ‖c·s ⊘ scale‖_q, so its slope is added (not part of what λ bounds).</summary>
    public override void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters)
    {
        if (state.ConstrainedOnly)
            return;
        state.Bound = Certificate.RoundUp(state.Bound + Certificate.ResidualNorm(this, state.MapScales, Q));
    }

    /// <remarks>
    /// f̃ = fl(g̃ + fl(Σ aᵢz̃ᵢ)): the sum of n products and one addition are within γₙ₊₂ of |g̃| + Σ|aᵢ||z̃ᵢ|, and the errors
    /// already in g̃ and z̃ pass through (the latter times ‖a‖₁). |g̃| is bounded from the float output and the residual's own
    /// terms, since f̃ already holds the sum.
    /// </remarks>
    public override void PropagateError(ref ErrorWalk walk)
    {
        double[] z = walk.Magnitudes[Input.Index]!;
        double slopes = 0;
        for (int i = 0; i < Inputs; i++)
            slopes += Signs[i] == 0 ? 0 : Coefficient * z[i];
        double errorG = walk.Errors[Output.Index], lipschitzG = walk.Lipschitz[Output.Index];
        double largest = 0;
        double[]? exact = null;
        if (walk.IsBox)
        {
            double[] exactG = walk.Exact[Output.Index]!;
            exact = new double[Outputs];
            double exactSum = 0;
            double[] exactZ = walk.Exact[Input.Index]!;
            for (int i = 0; i < Inputs; i++)
                exactSum += Signs[i] == 0 ? 0 : Coefficient * exactZ[i];
            for (int k = 0; k < Outputs; k++)
            {
                largest = Math.Max(largest, exactG[k] + errorG);
                exact[k] = Certificate.RoundUp((exactG[k] + exactSum) * ErrorWalk.DoubleSlack);
            }
        }
        else
        {
            ReadOnlySpan<float> f = walk.Values(Output);
            double widen = walk.Radius == 0 ? 0 : lipschitzG * walk.Radius + 2 * errorG;
            for (int k = 0; k < Outputs; k++)
                largest = Math.Max(largest, (Math.Abs((double)f[k]) + slopes) * (1 + ErrorWalk.Gamma(Inputs + 1)) + widen);
        }
        double rounding = (largest + slopes) * ErrorWalk.Gamma(Inputs + 2) + (Inputs + 1) * ErrorWalk.Underflow;
        // z's error reaches the residual through ‖a‖₁ in ℓ∞ or ‖a‖₂ in ℓ2, and the residual's error is the same on every output.
        double fromZ = Coefficient * Math.Min(MonotoneCount * walk.Errors[Input.Index], Math.Sqrt(MonotoneCount) * walk.Errors2[Input.Index]);
        double error = errorG + rounding + fromZ;
        double error2 = walk.Errors2[Output.Index] + Math.Sqrt(Outputs) * (rounding + fromZ);
        double lipschitz = lipschitzG + Coefficient * (double)MonotoneCount * walk.Lipschitz[Input.Index];
        walk.Set(Output, error, error2, lipschitz, exact);
    }

    /// <summary>f = g + z·a with a = c·s as an [inputs, 1] matrix, broadcast over the outputs: MatMul and Add.</summary>
    public override void Export(IOnnxGraph graph)
    {
        var slopes = new float[Inputs];
        for (int i = 0; i < slopes.Length; i++)
            slopes[i] = Coefficient * Signs[i];
        graph.Initializer("monotone.slopes", new long[] { Inputs, 1 }, slopes);
        graph.Node("MatMul", "monotone_residual", new[] { graph[Input], "monotone.slopes" }, new[] { "monotone.residual" });
        string result = Output.IsOutput ? "output" : "monotone.output";
        graph.Node("Add", "monotone_add", new[] { graph[Output], "monotone.residual" }, new[] { result });
        graph[Output] = result;
    }

    /// <summary>a·Σδ: one rounding.</summary>
    public override double GradientRounding => ErrorWalk.Gamma(1);
}
