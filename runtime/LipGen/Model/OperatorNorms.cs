// The ℓ2 norms the float error walk needs, cached per thread. Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace LipGen.Model;

/// <summary>
/// Each step's <see cref="PlanStep.EuclideanNorm"/> for one plan and one set of parameters, computed on first use: a
/// verification walks the float error at every data point and pair, and a spectral bound is a proof, so it is computed once
/// per thread while the parameters stay bit for bit the same (compared in full on every walk). A few networks are kept, and
/// once warm a walk allocates nothing here.
/// </summary>
internal sealed class OperatorNorms
{
    [ThreadStatic]
    private static List<OperatorNorms>? t_recent;

    private const int RecentCount = 4;

    private NetworkPlan? _plan;
    private float[] _parameters = Array.Empty<float>();
    private int _length;
    private readonly Dictionary<PlanStep, double> _norms = new();

    public static OperatorNorms For(NetworkPlan plan, ReadOnlySpan<float> parameters)
    {
        List<OperatorNorms> recent = t_recent ??= new List<OperatorNorms>(RecentCount);
        for (int i = 0; i < recent.Count; i++)
        {
            OperatorNorms candidate = recent[i];
            if (ReferenceEquals(candidate._plan, plan) && candidate._length == parameters.Length
                && MemoryMarshal.AsBytes(parameters).SequenceEqual(MemoryMarshal.AsBytes(candidate._parameters.AsSpan(0, candidate._length))))
            {
                if (i > 0)
                {
                    recent.RemoveAt(i);
                    recent.Insert(0, candidate);
                }
                return candidate;
            }
        }
        OperatorNorms cache;
        if (recent.Count < RecentCount)
            cache = new OperatorNorms();
        else
        {
            cache = recent[recent.Count - 1];
            recent.RemoveAt(recent.Count - 1);
        }
        recent.Insert(0, cache);
        cache._plan = plan;
        if (cache._parameters.Length < parameters.Length)
            cache._parameters = new float[parameters.Length];
        parameters.CopyTo(cache._parameters);
        cache._length = parameters.Length;
        cache._norms.Clear();
        return cache;
    }

    public double Get(PlanStep step, ReadOnlySpan<float> parameters)
    {
        if (!_norms.TryGetValue(step, out double norm))
            _norms[step] = norm = step.EuclideanNorm(parameters);
        return norm;
    }
}
