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
        FileBytes file = Bytes(matches[0]);
        if (file.Error is not null)
            return Fail(DiagnosticDescriptors.WeightsFileMissing, path, spec.WeightsFile, $"cannot be read ({file.Error})");
        byte[] bytes = file.Contents!;
        try
        {
            return new Result(Read(spec, bytes), path, null, Array.Empty<string>());
        }
        catch (SafetensorsException e)
        {
            return Fail(DiagnosticDescriptors.WeightsFileInvalid, path, System.IO.Path.GetFileName(path), e.Message);
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

    /// <summary>The parameter buffer, laid out by the network's plan, from the file's layers.{i}.weight / .bias tensors.</summary>
    private static float[] Read(NetworkSpec spec, byte[] bytes)
    {
        SafetensorsFile file = SafetensorsFile.Parse(bytes);
        LipGen.Model.NetworkPlan plan = spec.Plan();
        var parameters = new float[plan.ParameterCount];
        var expected = new HashSet<string>();
        foreach (LipGen.Model.DenseStep layer in plan.DenseLayers)
        {
            string weight = $"layers.{layer.Number - 1}.weight", bias = $"layers.{layer.Number - 1}.bias";
            Tensor(file, bytes, weight, new long[] { layer.Outputs, layer.Inputs }).CopyTo(parameters, layer.WeightOffset);
            Tensor(file, bytes, bias, new long[] { layer.Outputs }).CopyTo(parameters, layer.BiasOffset);
            expected.Add(weight);
            expected.Add(bias);
        }
        var widths = spec.Widths;
        foreach (SafetensorsTensor extra in file.Tensors.Where(t => !expected.Contains(t.Name)))
            throw new SafetensorsException($"it holds tensor \"{extra.Name}\", which a {string.Join("-", widths)} network does not have");
        if (file.Metadata.TryGetValue("lipgen.widths", out string? stored) && stored != string.Join(",", widths))
            throw new SafetensorsException($"it was saved from a network with widths {stored}, not {string.Join(",", widths)}");
        return parameters;
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
