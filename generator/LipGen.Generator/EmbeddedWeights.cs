using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using LipGen.IO;
using Microsoft.CodeAnalysis;

namespace LipGen.Generator;

/// <summary>Finds a declaration's Weights file among the AdditionalFiles and turns it into its parameter buffer.</summary>
internal static class EmbeddedWeights
{
    /// <summary>Beyond this the generated file (one literal per weight) stops being a sane size.</summary>
    public const int MaxParameters = 1_000_000;

    public readonly record struct Result(float[]? Parameters, string? Path, DiagnosticDescriptor? Problem, string[] Arguments);

    public static Result Load(NetworkSpec spec, ImmutableArray<AdditionalText> files)
    {
        string wanted = spec.WeightsFile!.Replace('\\', '/').TrimStart('/');
        var matches = files.Where(f => Matches(f.Path, wanted)).ToList();
        if (matches.Count != 1)
            return Fail(DiagnosticDescriptors.WeightsFileMissing, null, spec.WeightsFile,
                matches.Count == 0 ? "matches no AdditionalFiles item" : $"matches {matches.Count} AdditionalFiles items");
        string path = matches[0].Path;
        FileBytes read = Bytes(matches[0]);
        if (read.Error is not null)
            return Fail(DiagnosticDescriptors.WeightsFileMissing, path, spec.WeightsFile, $"cannot be read ({read.Error})");
        byte[] bytes = read.Contents!;
        LipGen.Model.NetworkPlan plan = spec.Plan();
        float[] parameters;
        SafetensorsFile file;
        try
        {
            (parameters, file) = Read(spec, plan, bytes);
        }
        catch (SafetensorsException e)
        {
            return Fail(DiagnosticDescriptors.WeightsFileInvalid, path, System.IO.Path.GetFileName(path), e.Message);
        }
        // Derived values are computed from the file's weights, as Load computes them, and compiled in with them.
        plan.Derive(parameters);
        // As Load does: weights whose certificate exceeds the declared λ would ship a network that breaks its bound.
        double certificate = LipGen.Model.Certificate.Constrained(plan, parameters); // what λ bounds (a residual adds its declared slope)
        string stated = file.Metadata.TryGetValue(NetworkMetadata.LipschitzKey, out string? value) ? value : "nothing";
        Result Exceeds(string name, double bound) => Fail(DiagnosticDescriptors.WeightsExceedBound, path, name,
            bound.ToString("G9", System.Globalization.CultureInfo.InvariantCulture),
            plan.Lipschitz.ToString("R", System.Globalization.CultureInfo.InvariantCulture), stated);
        if (!(certificate <= plan.Lipschitz))
            return Exceeds(System.IO.Path.GetFileName(path), certificate);
        if (spec.Declaration.WeightPrecision == Precision.BFloat16)
        {
            // As BFloat16Network.From rounds loaded weights: the compiled-in values are the rounded ones, which are what runs.
            float[] rounded = (float[])parameters.Clone();
            if (!LipGen.Model.BFloat16Rounding.TryRound(plan, parameters, rounded))
                return Exceeds(System.IO.Path.GetFileName(path) + " (rounded to bfloat16)", LipGen.Model.Certificate.Constrained(plan, rounded));
            parameters = rounded;
        }
        return new Result(parameters, path, null, Array.Empty<string>());
    }

    /// <summary>A declared input-map value the compiled-in file replaces with another.</summary>
    public readonly record struct MapDifference(string Argument, int Input, string Declared, string File);

    /// <summary>
    /// The first element of the declared InputOffsets and of InputScales that differs from the file's (as the float the
    /// network holds): compiled in, the file's map is the network's, and the declared one would silently be ignored.
    /// </summary>
    public static IEnumerable<MapDifference> MapDifferences(NetworkSpec spec, float[] parameters)
    {
        if (spec.Plan().InputMap is not { } map)
            yield break;
        foreach ((string argument, IReadOnlyList<double>? declared, int offset) in new[]
        {
            (nameof(LipschitzNetworkAttribute.InputOffsets), spec.Declaration.InputOffsets, map.OffsetOffset),
            (nameof(LipschitzNetworkAttribute.InputScales), spec.Declaration.InputScales, map.ScaleOffset),
        })
            for (int i = 0; declared is not null && i < declared.Count; i++)
                if ((float)declared[i] != parameters[offset + i])
                {
                    var c = System.Globalization.CultureInfo.InvariantCulture;
                    yield return new MapDifference(argument, i, declared[i].ToString("R", c), parameters[offset + i].ToString("R", c));
                    break;
                }
    }

    /// <summary>A weights file's bytes, or why they could not be read.</summary>
    private sealed class FileBytes(byte[]? contents, string? error)
    {
        public byte[]? Contents { get; } = contents;

        public string? Error { get; } = error;
    }

    // The compiler gives the generator and the analyzer the same AdditionalText instances for one compilation, and a new
    // instance when the file changes; keyed on the instance, the file is read once per compilation and never goes stale.
    private static readonly ConditionalWeakTable<AdditionalText, FileBytes> Cache = new();

    private static FileBytes Bytes(AdditionalText file) => Cache.GetValue(file, static f =>
    {
        try
        {
            // Roslyn offers AdditionalFiles only as decoded text, which would corrupt binary data; the file is a declared
            // input of the compilation, so reading its bytes by path keeps the build deterministic.
#pragma warning disable RS1035 // File IO: see above
            return new FileBytes(File.ReadAllBytes(f.Path), null);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileBytes(null, e.Message);
        }
    });

    private static bool Matches(string path, string wanted)
    {
        string normalized = path.Replace('\\', '/');
        return normalized.EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(normalized, wanted, StringComparison.OrdinalIgnoreCase);
    }

    private static Result Fail(DiagnosticDescriptor descriptor, string? path, params string[] arguments) => new(null, path, descriptor, arguments);

    /// <summary>
    /// The parameter buffer, laid out by the network's plan, from the file's layers.{i}.weight / .bias tensors; the file's
    /// metadata is compared with the declaration exactly as <c>NetworkFile.Load</c> compares it.
    /// </summary>
    private static (float[] Parameters, SafetensorsFile File) Read(NetworkSpec spec, LipGen.Model.NetworkPlan plan, byte[] bytes)
    {
        SafetensorsFile file = SafetensorsFile.Parse(bytes);
        if (NetworkMetadata.Mismatch(plan, file.Metadata, "the declaration") is { } mismatch)
            throw new SafetensorsException($"it {mismatch}");
        var parameters = new float[plan.ParameterCount];
        var expected = new HashSet<string>();
        foreach (LipGen.Model.ParameterRegion tensor in NetworkMetadata.Tensors(plan))
        {
            Tensor(file, bytes, tensor.Name, tensor.Shape).CopyTo(parameters, tensor.Offset);
            expected.Add(tensor.Name);
        }
        if (NetworkMetadata.InvalidScale(plan, parameters) is { } invalid)
            throw new SafetensorsException(invalid);
        foreach (SafetensorsTensor extra in file.Tensors.Where(t => !expected.Contains(t.Name)))
            throw new SafetensorsException($"it holds tensor \"{extra.Name}\", which a {string.Join("-", spec.Declaration.Widths)} network does not have");
        return (parameters, file);
    }

    private static float[] Tensor(SafetensorsFile file, byte[] bytes, string name, long[] shape)
    {
        SafetensorsTensor tensor = file.Tensors.FirstOrDefault(t => t.Name == name)
            ?? throw new SafetensorsException($"it has no tensor \"{name}\"");
        if (!tensor.Shape.SequenceEqual(shape))
            throw new SafetensorsException($"tensor \"{name}\" has shape [{string.Join(", ", tensor.Shape)}], the declaration needs [{string.Join(", ", shape)}]");
        float[] values = file.ReadFloats(bytes, tensor);
        for (int i = 0; i < values.Length; i++)
            if (float.IsNaN(values[i]) || float.IsInfinity(values[i]))
                throw new SafetensorsException($"tensor \"{name}\" holds {values[i]} at index {i}");
        return values;
    }
}
