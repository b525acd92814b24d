using System;
using System.Collections.Generic;
using System.Linq;

namespace LipGen.Generator;

/// <summary>One dense layer, with its offsets in the parameter buffer and in the workspace.</summary>
internal sealed record DenseLayer(
    int Number, int Inputs, int Outputs, int WeightOffset, int BiasOffset, bool IsHidden, bool IsReLU, int GroupSize,
    int ActivationOffset, int RecordOffset)
{
    public bool IsMaxMin => IsHidden && !IsReLU && GroupSize == 2;
    public string W => "W" + Number;
    public string B => "B" + Number;
    public string A => "A" + Number;
    public string S => "S" + Number;
}

/// <summary>
/// The arithmetic of a spec: parameter offsets (per layer W [out, in] then b [out]) and the workspace layout
/// (per hidden layer its activations and its activation record, then two gradient buffers and the output).
/// </summary>
internal sealed class NetworkLayout
{
    public NetworkLayout(NetworkSpec spec)
    {
        var widths = spec.Widths;
        int layerCount = widths.Count - 1;
        var layers = new List<DenseLayer>(layerCount);
        int parameters = 0, workspace = 0;
        for (int i = 0; i < layerCount; i++)
        {
            int inputs = widths[i], outputs = widths[i + 1];
            bool hidden = i < layerCount - 1;
            int activation = hidden ? workspace : -1;
            int record = hidden ? workspace + outputs : -1;
            if (hidden)
                workspace += 2 * outputs;
            layers.Add(new DenseLayer(i + 1, inputs, outputs, parameters, parameters + inputs * outputs,
                hidden, hidden && spec.ReLU, hidden ? spec.GroupSizes[i] : 0, activation, record));
            parameters += inputs * outputs + outputs;
        }
        Layers = layers;
        ParameterCount = parameters;
        MaxHiddenWidth = layers.Where(l => l.IsHidden).Select(l => l.Outputs).DefaultIfEmpty(0).Max();
        GradientBuffer0 = workspace;
        GradientBuffer1 = workspace + MaxHiddenWidth;
        OutputBuffer = workspace + 2 * MaxHiddenWidth;
        WorkspaceLength = OutputBuffer + widths[layerCount];
    }

    public IReadOnlyList<DenseLayer> Layers { get; }
    public int ParameterCount { get; }
    public int MaxHiddenWidth { get; }
    public int GradientBuffer0 { get; }
    public int GradientBuffer1 { get; }
    public int OutputBuffer { get; }
    public int WorkspaceLength { get; }
    public int InputCount => Layers[0].Inputs;
    public int OutputCount => Layers[Layers.Count - 1].Outputs;
}
