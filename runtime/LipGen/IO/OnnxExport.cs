using System.Text;

namespace LipGen.IO;

/// <summary>
/// Writes a network as an ONNX model (opset 13, IR version 7), the protobuf encoded by hand. Input "input" is
/// float [batch, inputs] and output "output" float [batch, outputs], with a symbolic batch dimension. Weights are
/// initializers, the ones each layer runs with (AOL's W·D). Every step of the plan writes its own nodes (Model/Steps): each
/// dense layer is a Gemm (transB = 1); GroupSort avoids the Sort operator, which many runtimes lack (group size 2 is
/// Reshape → ReduceMin + ReduceMax → Concat → Reshape, larger groups Reshape → TopK → Reshape); ReLU is Relu; a residual
/// block is Gemm, Relu, Mul, MatMul, Mul and Sub; the input map Sub and Div; the monotone residual MatMul and Add.
/// </summary>
public static class OnnxExport
{
    /// <summary>The opset the model declares.</summary>
    public const int Opset = 13;

    /// <summary>Writes the model to <paramref name="path"/> (atomically, like <see cref="NetworkFile.Save(ILipschitzNetwork, string, NetworkNames?)"/>).</summary>
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

        // Every step writes its own nodes and initializers (each kind in one place of the model: Model/Steps).
        var graph = new Graph(parameters.ToArray());
        graph[description.Plan.InputSlot] = "input";
        foreach (Model.PlanStep step in description.Plan.Steps)
            step.Export(graph);
        if (graph[description.Plan.OutputSlot] != "output")
            graph.Node("Identity", "output", new[] { graph[description.Plan.OutputSlot] }, new[] { "output" });
        List<Action<ProtoWriter>> nodes = graph.Nodes, initializers = graph.Initializers;

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

    /// <summary>The graph steps write into: slot names, nodes and initializers.</summary>
    private sealed class Graph(float[] parameters) : Model.IOnnxGraph
    {
        private readonly Dictionary<Model.ValueSlot, string> _names = new();

        public List<Action<ProtoWriter>> Nodes { get; } = new();

        public List<Action<ProtoWriter>> Initializers { get; } = new();

        public ReadOnlySpan<float> Parameters => parameters;

        public string this[Model.ValueSlot slot]
        {
            get => _names.TryGetValue(slot, out string? name) ? name : throw new InvalidOperationException($"Slot {slot} has no ONNX value yet.");
            set => _names[slot] = value;
        }

        public void Initializer(string name, long[] dims, ReadOnlySpan<float> values) => Initializers.Add(FloatTensor(name, dims, values.ToArray()));

        public void Initializer(string name, long[] values) => Initializers.Add(Int64Tensor(name, values));

        public void Node(string op, string name, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes) =>
            Nodes.Add(OnnxExport.Node(op, name, inputs, outputs, list =>
            {
                foreach ((string attribute, object value) in attributes)
                {
                    if (value is long single)
                        Attribute(list, attribute, single);
                    else
                        Attribute(list, attribute, (long[])value);
                }
            }));
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
