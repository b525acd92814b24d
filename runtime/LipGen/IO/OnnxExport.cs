using System.Text;

namespace LipGen.IO;

/// <summary>
/// Writes a network as an ONNX model (opset 13, IR version 7), the protobuf encoded by hand. Input "input" is
/// float [batch, inputs] and output "output" float [batch, outputs], with a symbolic batch dimension. Weights are
/// initializers. Each dense layer is a Gemm (transB = 1). GroupSort avoids the Sort operator, which many runtimes lack:
/// group size 2 is Reshape → ReduceMin + ReduceMax → Concat → Reshape, larger groups are Reshape → TopK (ascending,
/// sorted) → Reshape, and size 1 is the identity. ReLU is Relu.
/// </summary>
public static class OnnxExport
{
    /// <summary>The opset the model declares.</summary>
    public const int Opset = 13;

    /// <summary>Writes the model to <paramref name="path"/> (atomically, like <see cref="NetworkFile.Save(ILipschitzNetwork, string)"/>).</summary>
    public static void ToOnnx(this ILipschitzNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, ToOnnxBytes(network.Description, network.Parameters));
    }

    /// <summary>Writes the model to <paramref name="stream"/> (the caller owns the stream).</summary>
    public static void ToOnnx(this ILipschitzNetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToOnnxBytes(network.Description, network.Parameters));
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically, without blocking on the disk.</summary>
    public static Task ToOnnxAsync(this ILipschitzNetwork network, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return AtomicFile.WriteAsync(path, ToOnnxBytes(network.Description, network.Parameters), cancellationToken);
    }

    /// <summary>Writes the model to <paramref name="stream"/> asynchronously.</summary>
    public static async Task ToOnnxAsync(this ILipschitzNetwork network, Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = ToOnnxBytes(network.Description, network.Parameters);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ONNX model bytes for a network with <paramref name="description"/> and these parameters.</summary>
    public static byte[] ToOnnxBytes(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));

        var nodes = new List<Action<ProtoWriter>>();
        var initializers = new List<Action<ProtoWriter>>();
        string current = "input";
        if (description.HasInputMap)
        {
            // z = (x − offset) / scale, as Sub and Div: the same two roundings as LipGen's kernels.
            initializers.Add(FloatTensor("input_map.offset", [description.InputCount], parameters.Slice(description.InputOffsetOffset, description.InputCount).ToArray()));
            initializers.Add(FloatTensor("input_map.scale", [description.InputCount], parameters.Slice(description.InputScaleOffset, description.InputCount).ToArray()));
            nodes.Add(Node("Sub", "input_map_offset", ["input", "input_map.offset"], ["input_map.centred"]));
            nodes.Add(Node("Div", "input_map_scale", ["input_map.centred", "input_map.scale"], ["input_map.output"]));
            current = "input_map.output";
        }
        string layerInput = current;
        int index = 0;
        foreach (LayerShape layer in description.Layers)
        {
            string w = $"layers.{index}.weight", b = $"layers.{index}.bias", z = $"layers.{index}.linear";
            initializers.Add(FloatTensor(w, [layer.Outputs, layer.Inputs], parameters.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs).ToArray()));
            initializers.Add(FloatTensor(b, [layer.Outputs], parameters.Slice(layer.BiasOffset, layer.Outputs).ToArray()));
            bool last = index == description.Layers.Length - 1;
            string gemmOutput = last && !description.HasMonotoneResidual ? "output" : z;
            nodes.Add(Node("Gemm", $"layer{index}_gemm", [current, w, b], [gemmOutput], a => Attribute(a, "transB", 1)));
            current = gemmOutput;
            if (!last)
                current = Activation(layer, index, current, nodes, initializers);
            index++;
        }
        if (description.HasMonotoneResidual)
        {
            // f = g + z·a with a = c·s as an [inputs, 1] matrix, broadcast over the outputs.
            var slopes = new float[description.InputCount];
            for (int i = 0; i < slopes.Length; i++)
                slopes[i] = description.ResidualCoefficient * description.Monotone[i];
            initializers.Add(FloatTensor("monotone.slopes", [description.InputCount, 1], slopes));
            nodes.Add(Node("MatMul", "monotone_residual", [layerInput, "monotone.slopes"], ["monotone.residual"]));
            nodes.Add(Node("Add", "monotone_add", [current, "monotone.residual"], ["output"]));
        }

        var model = new ProtoWriter();
        model.Int64(1, 7); // ir_version
        model.String(2, "LipGen");
        model.String(3, typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0");
        model.Message(7, graph =>
        {
            foreach (Action<ProtoWriter> node in nodes)
                graph.Message(1, node);
            graph.String(2, description.Name);
            foreach (Action<ProtoWriter> initializer in initializers)
                graph.Message(5, initializer);
            graph.Message(11, ValueInfo("input", description.InputCount));
            graph.Message(12, ValueInfo("output", description.OutputCount));
        });
        model.Message(8, opset =>
        {
            opset.String(1, "");
            opset.Int64(2, Opset);
        });
        // metadata_props (field 14): the declaration, as in a safetensors file (lipgen.widths, lipgen.constraint, …).
        foreach (KeyValuePair<string, string> entry in NetworkMetadata.Of(description.Plan))
            if (entry.Key.StartsWith("lipgen.", StringComparison.Ordinal))
                model.Message(14, property =>
                {
                    property.String(1, entry.Key);
                    property.String(2, entry.Value);
                });
        return model.ToArray();
    }

    private static string Activation(LayerShape layer, int index, string input, List<Action<ProtoWriter>> nodes, List<Action<ProtoWriter>> initializers)
    {
        string output = $"layers.{index}.activation";
        if (layer.Activation == LipGen.Activation.ReLU)
        {
            nodes.Add(Node("Relu", $"layer{index}_relu", [input], [output]));
            return output;
        }
        int g = layer.GroupSize, width = layer.Outputs;
        if (g == 1)
            return input; // sorting groups of one changes nothing
        string grouped = $"layers.{index}.grouped", groupedShape = $"layers.{index}.grouped_shape", flatShape = $"layers.{index}.flat_shape";
        initializers.Add(Int64Tensor(groupedShape, [-1, width / g, g]));
        initializers.Add(Int64Tensor(flatShape, [-1, width]));
        nodes.Add(Node("Reshape", $"layer{index}_group", [input, groupedShape], [grouped]));
        string sorted = $"layers.{index}.sorted";
        if (g == 2)
        {
            string min = $"layers.{index}.min", max = $"layers.{index}.max";
            nodes.Add(Node("ReduceMin", $"layer{index}_min", [grouped], [min], a => { Attribute(a, "axes", [2L]); Attribute(a, "keepdims", 1); }));
            nodes.Add(Node("ReduceMax", $"layer{index}_max", [grouped], [max], a => { Attribute(a, "axes", [2L]); Attribute(a, "keepdims", 1); }));
            nodes.Add(Node("Concat", $"layer{index}_maxmin", [min, max], [sorted], a => Attribute(a, "axis", 2)));
        }
        else
        {
            string k = $"layers.{index}.k";
            initializers.Add(Int64Tensor(k, [g]));
            nodes.Add(Node("TopK", $"layer{index}_sort", [grouped, k], [sorted, $"layers.{index}.order"], a =>
            {
                Attribute(a, "axis", -1);
                Attribute(a, "largest", 0); // ascending
                Attribute(a, "sorted", 1);
            }));
        }
        nodes.Add(Node("Reshape", $"layer{index}_flatten", [sorted, flatShape], [output]));
        return output;
    }

    private static Action<ProtoWriter> Node(string op, string name, string[] inputs, string[] outputs, Action<List<Action<ProtoWriter>>>? attributes = null) => node =>
    {
        foreach (string i in inputs)
            node.String(1, i);
        foreach (string o in outputs)
            node.String(2, o);
        node.String(3, name);
        node.String(4, op);
        var list = new List<Action<ProtoWriter>>();
        attributes?.Invoke(list);
        foreach (Action<ProtoWriter> attribute in list)
            node.Message(5, attribute);
    };

    private static void Attribute(List<Action<ProtoWriter>> list, string name, long value) => list.Add(a =>
    {
        a.String(1, name);
        a.Int64(3, value);
        a.Int64(20, 2); // AttributeType.INT
    });

    private static void Attribute(List<Action<ProtoWriter>> list, string name, long[] values) => list.Add(a =>
    {
        a.String(1, name);
        foreach (long v in values)
            a.Int64(8, v);
        a.Int64(20, 7); // AttributeType.INTS
    });

    private static Action<ProtoWriter> FloatTensor(string name, long[] dims, float[] values) => t =>
    {
        foreach (long d in dims)
            t.Int64(1, d);
        t.Int64(2, 1); // TensorProto.FLOAT
        t.String(8, name);
        var raw = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        t.Bytes(9, raw);
    };

    private static Action<ProtoWriter> Int64Tensor(string name, long[] values) => t =>
    {
        t.Int64(1, values.Length);
        t.Int64(2, 7); // TensorProto.INT64
        t.String(8, name);
        var raw = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8 * i), values[i]);
        t.Bytes(9, raw);
    };

    /// <summary>A float tensor [batch, width] with a symbolic batch dimension.</summary>
    private static Action<ProtoWriter> ValueInfo(string name, int width) => v =>
    {
        v.String(1, name);
        v.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Int64(1, 1); // elem_type FLOAT
            tensor.Message(2, shape =>
            {
                shape.Message(1, dim => dim.String(2, "batch"));
                shape.Message(1, dim => dim.Int64(1, width));
            });
        }));
    };

    /// <summary>The protobuf wire format, as much of it as ONNX needs.</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _stream = new();

        public void Int64(int field, long value)
        {
            Tag(field, 0);
            Varint((ulong)value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Varint((ulong)value.Length);
            _stream.Write(value);
        }

        public void Message(int field, Action<ProtoWriter> write)
        {
            var nested = new ProtoWriter();
            write(nested);
            Bytes(field, nested.ToArray());
        }

        public byte[] ToArray() => _stream.ToArray();

        private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
