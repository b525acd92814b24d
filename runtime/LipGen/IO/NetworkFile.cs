using System.Globalization;
using System.Text;

namespace LipGen.IO;

/// <summary>A network file that cannot be loaded into the network asked for; the message names the file and the problem.</summary>
public sealed class NetworkFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    public NetworkFileException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// Saves and loads a network's parameters and declaration as safetensors. Tensors are <c>layers.{i}.weight</c> [out, in]
/// and <c>layers.{i}.bias</c> [out], float32 little-endian: the names <c>torch.nn.Linear</c> layers get in a module list
/// called <c>layers</c>; a network with an input map adds <c>input_map.offset</c> and <c>input_map.scale</c> [inputs]. The
/// declaration is in the metadata (<c>lipgen.widths</c>, <c>lipgen.group_sizes</c>, <c>lipgen.p</c>, <c>lipgen.lipschitz</c>,
/// <c>lipgen.activation</c>, <c>lipgen.monotone</c>).
/// </summary>
public static class NetworkFile
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Writes the network to <paramref name="path"/> atomically: a temporary file in the same folder is written, flushed to
    /// disk and then moved over the target, so a crash mid-save leaves the old file intact.
    /// </summary>
    /// <remarks><paramref name="names"/> (optional, e.g. <c>NetworkNames.Of(trainingData)</c>) go into the file's metadata.</remarks>
    public static void Save(this ILipschitzNetwork network, string path, NetworkNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Serialize(network.Description, network.Parameters, names));
    }

    /// <summary>Writes the network's safetensors bytes to <paramref name="stream"/> (the caller owns the stream).</summary>
    public static void Save(this ILipschitzNetwork network, Stream stream, NetworkNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Serialize(network.Description, network.Parameters, names));
    }

    /// <summary>
    /// <see cref="Save(ILipschitzNetwork, string, NetworkNames?)"/> without blocking on the disk: the bytes are taken from the
    /// network at once, then written atomically. Do not change the network before the call returns.
    /// </summary>
    public static Task SaveAsync(this ILipschitzNetwork network, string path, CancellationToken cancellationToken = default) =>
        SaveAsync(network, path, null, cancellationToken);

    /// <summary><see cref="SaveAsync(ILipschitzNetwork, string, CancellationToken)"/> with the names in the file's metadata.</summary>
    public static Task SaveAsync(this ILipschitzNetwork network, string path, NetworkNames? names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = Serialize(network.Description, network.Parameters, names);
        return AtomicFile.WriteAsync(path, bytes, cancellationToken);
    }

    /// <summary>Writes the network's safetensors bytes to <paramref name="stream"/> asynchronously.</summary>
    public static Task SaveAsync(this ILipschitzNetwork network, Stream stream, CancellationToken cancellationToken = default) =>
        SaveAsync(network, stream, null, cancellationToken);

    /// <summary><see cref="SaveAsync(ILipschitzNetwork, Stream, CancellationToken)"/> with the names in the file's metadata.</summary>
    public static async Task SaveAsync(this ILipschitzNetwork network, Stream stream, NetworkNames? names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = Serialize(network.Description, network.Parameters, names);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The feature and class names a network file carries (each null where it has none); the weights are not read.</summary>
    public static NetworkNames ReadNames(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NetworkFileException($"{path} cannot be read: {e.Message}", e);
        }
        return ReadNames(file, path);
    }

    /// <summary>The feature and class names in the network file read from <paramref name="stream"/>.</summary>
    public static NetworkNames ReadNames(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return ReadNames(buffer.ToArray(), "the stream");
    }

    private static NetworkNames ReadNames(byte[] file, string name)
    {
        SafetensorsFile contents;
        try
        {
            contents = SafetensorsFile.Parse(file);
        }
        catch (SafetensorsException e)
        {
            throw new NetworkFileException($"{name} is not a valid safetensors file: {e.Message}", e);
        }
        return new NetworkNames(NameList(contents.Metadata, NetworkNames.FeaturesKey, name), NameList(contents.Metadata, NetworkNames.ClassesKey, name));
    }

    private static string[]? NameList(IReadOnlyDictionary<string, string> metadata, string key, string name)
    {
        if (!metadata.TryGetValue(key, out string? text))
            return null;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array
                && document.RootElement.EnumerateArray().All(e => e.ValueKind == System.Text.Json.JsonValueKind.String))
                return [.. document.RootElement.EnumerateArray().Select(e => e.GetString()!)];
        }
        catch (System.Text.Json.JsonException)
        {
        }
        throw new NetworkFileException($"{name}: metadata \"{key}\" is not a JSON array of strings.");
    }

    /// <summary>A JSON string literal as the header needs it: quotes, backslashes and control characters escaped, the rest as written.</summary>
    private static string JsonString(string text) =>
        "\"" + System.Text.Json.JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";

    /// <summary>Reads a network file from <paramref name="stream"/>, with every check of <see cref="Load(ILipschitzNetwork, string, bool)"/>.</summary>
    public static void Load(this ILipschitzNetwork network, Stream stream, bool projectOnLoad = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        Apply(network, ReadAll(stream, "the stream"), "the stream", projectOnLoad);
    }

    /// <summary>
    /// <see cref="Load(ILipschitzNetwork, string, bool)"/> without blocking on the disk. The network changes only at the end,
    /// after every check, and not at all on failure.
    /// </summary>
    public static async Task LoadAsync(this ILipschitzNetwork network, string path, bool projectOnLoad = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] file;
        try
        {
            file = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw ReadFailed(path, e);
        }
        Apply(network, file, path, projectOnLoad);
    }

    /// <summary>Reads a network file from <paramref name="stream"/> asynchronously, with every check of Load.</summary>
    public static async Task LoadAsync(this ILipschitzNetwork network, Stream stream, bool projectOnLoad = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw ReadFailed("the stream", e);
        }
        Apply(network, buffer.ToArray(), "the stream", projectOnLoad);
    }

    private static byte[] ReadAll(Stream stream, string name)
    {
        try
        {
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw ReadFailed(name, e);
        }
    }

    /// <summary>The I/O failures a load reports as a <see cref="NetworkFileException"/>, with the cause inside.</summary>
    private static bool IsReadFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or NotSupportedException or ObjectDisposedException or ArgumentException;

    /// <summary>
    /// A caller's stream can fail in any way its implementation chooses (a time-out, a socket error, a stream in the wrong
    /// state): every failure to read it is one, except a cancellation the caller asked for and running out of memory.
    /// </summary>
    private static bool IsStreamFailure(Exception e) => e is not (OperationCanceledException or OutOfMemoryException);

    private static NetworkFileException ReadFailed(string name, Exception cause) => new($"Cannot read {name}: {cause.Message}", cause);

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="network"/>. Everything is checked before anything is copied:
    /// the container, the architecture (metadata when present, and the tensors' names, dtypes and shapes), the values
    /// (no NaN or ∞) and the bound: weights whose certificate exceeds the network's declared λ are rejected, unless
    /// <paramref name="projectOnLoad"/> asks for them to be projected onto the constraint. On any problem a
    /// <see cref="NetworkFileException"/> names it and the network is left unchanged. Files without LipGen metadata
    /// (written by PyTorch, say) are accepted when their tensors fit and their certificate is within λ.
    /// </summary>
    public static void Load(this ILipschitzNetwork network, string path, bool projectOnLoad = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw ReadFailed(path, e); // every load failure is a NetworkFileException
        }
        Apply(network, file, path, projectOnLoad);
    }

    /// <summary>Checks the file's bytes, then copies them into the network (projecting them if asked); unchanged on failure.</summary>
    private static void Apply(ILipschitzNetwork network, byte[] file, string path, bool projectOnLoad)
    {
        float[] parameters = Deserialize(network.Description, file, path);
        // Derived values (AOL's rescaled weights, SLL blocks' diagonals) are not saved: computed from the file's weights.
        network.Description.Plan.Derive(parameters);
        // The constrained part's certificate is what the declaration bounds by λ (a residual adds its own, declared, slope).
        double certificate = Model.Certificate.Constrained(network.Description.Plan, parameters);
        double lipschitz = network.Description.Lipschitz;
        if (certificate > lipschitz && !projectOnLoad)
            throw new NetworkFileException(
                $"{path} holds weights whose certificate is L̂ = {certificate.ToString("G9", Invariant)}, above the declared λ = {lipschitz.ToString("R", Invariant)} of {network.Description.Name}: "
                + "loaded as they are, the network would break its bound. Project them onto the constraint with Load(path, projectOnLoad: true), or declare a larger λ.");
        parameters.CopyTo(network.Parameters);
        if (certificate > lipschitz)
            network.Project();
    }

    /// <summary>The safetensors bytes of a network with <paramref name="description"/> and these parameters (and names).</summary>
    public static byte[] Serialize(NetworkDescription description, ReadOnlySpan<float> parameters, NetworkNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));
        names?.Check(description);
        var header = new StringBuilder("{\"__metadata__\":{");
        foreach ((string key, string value) in NetworkMetadata.Of(description.Plan))
            header.Append(Invariant, $"\"{key}\":\"{value}\",");
        // The names are the user's text: each list is a JSON array, escaped again as the metadata's string value.
        foreach ((string key, IReadOnlyList<string>? list) in new[] { (NetworkNames.FeaturesKey, names?.Features), (NetworkNames.ClassesKey, names?.Classes) })
            if (list is not null)
                header.Append(Invariant, $"\"{key}\":{JsonString("[" + string.Join(",", list.Select(JsonString)) + "]")},");
        header.Length--; // the last comma
        header.Append('}');
        long offset = 0;
        foreach (Model.ParameterRegion tensor in NetworkMetadata.Tensors(description.Plan))
        {
            header.Append(Invariant, $",\"{tensor.Name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + 4L * tensor.Count}]}}");
            offset += 4L * tensor.Count;
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) // the format pads the header with spaces to keep the data 8-byte aligned
            header.Append(' ');

        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        var bytes = new byte[8 + json.Length + offset]; // the tensors' bytes (projection state and derived values are not saved)
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)json.Length);
        if (!BitConverter.IsLittleEndian)
            bytes.AsSpan(0, 8).Reverse();
        json.CopyTo(bytes, 8);
        // The tensors in file order (W₁, b₁, W₂, b₂, …, then the input map), each taken from its place in the parameter buffer.
        Span<byte> data = bytes.AsSpan(8 + json.Length);
        int position = 0;
        foreach (Model.ParameterRegion tensor in NetworkMetadata.Tensors(description.Plan))
            Write(parameters.Slice(tensor.Offset, tensor.Count), data, ref position);
        return bytes;
    }

    private static void Write(ReadOnlySpan<float> values, Span<byte> data, ref int position)
    {
        foreach (float value in values)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(data.Slice(position, 4), value);
            position += 4;
        }
    }

    /// <summary>The parameters stored in <paramref name="file"/>, checked against <paramref name="description"/>.</summary>
    public static float[] Deserialize(NetworkDescription description, byte[] file, string name = "the file")
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(file);
        SafetensorsFile contents;
        try
        {
            contents = SafetensorsFile.Parse(file);
        }
        catch (SafetensorsException e)
        {
            throw new NetworkFileException($"{name} is not a valid safetensors file: {e.Message}", e);
        }
        CheckMetadata(description, contents.Metadata, name);

        var expected = new HashSet<string>();
        var parameters = new float[description.ParameterCount];
        foreach (Model.ParameterRegion tensor in NetworkMetadata.Tensors(description.Plan))
        {
            Copy(contents, file, tensor.Name, tensor.Shape, parameters.AsSpan(tensor.Offset, tensor.Count), name, description);
            expected.Add(tensor.Name);
        }
        if (NetworkMetadata.InvalidScale(description.Plan, parameters) is { } invalid)
            throw new NetworkFileException($"{name}: {invalid}.");
        foreach (SafetensorsTensor tensor in contents.Tensors)
            if (!expected.Contains(tensor.Name))
                throw new NetworkFileException($"{name} holds tensor \"{tensor.Name}\", which {description.Name} ({Architecture(description)}) does not have: a file for another architecture.");
        return parameters;
    }

    private static void Copy(SafetensorsFile contents, byte[] file, string tensorName, long[] shape, Span<float> target, string name, NetworkDescription description)
    {
        SafetensorsTensor? tensor = contents.Tensors.FirstOrDefault(t => t.Name == tensorName)
            ?? throw new NetworkFileException($"{name} has no tensor \"{tensorName}\", which {description.Name} ({Architecture(description)}) needs: a file for another architecture.");
        if (tensor.DType != "F32")
            throw new NetworkFileException($"{name}: tensor \"{tensorName}\" is {tensor.DType}; LipGen networks hold F32.");
        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
            throw new NetworkFileException(
                $"{name}: tensor \"{tensorName}\" has shape [{string.Join(", ", tensor.Shape)}]; {description.Name} ({Architecture(description)}) needs [{string.Join(", ", shape)}].");
        float[] values = contents.ReadFloats(file, tensor);
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new NetworkFileException($"{name}: tensor \"{tensorName}\" holds {values[i]} at index {i}; every weight must be finite.");
        values.CopyTo(target);
    }

    private static void CheckMetadata(NetworkDescription description, IReadOnlyDictionary<string, string> metadata, string name)
    {
        if (NetworkMetadata.Mismatch(description.Plan, metadata, description.Name) is { } mismatch)
            throw new NetworkFileException($"{name} {mismatch}.");
    }

    private static string Architecture(NetworkDescription d) => string.Join("-", d.Widths.ToArray());
}

/// <summary>Replaces a file so that a crash never leaves it half-written.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes a temporary file in the target's folder, flushes it to disk, then moves it over the target (a rename,
    /// atomic on one file system). A symbolic link is followed: its final target is replaced and the link stays. The
    /// temporary name is short and fixed in length, so it fits wherever the target's name fits. On failure the temporary
    /// file is removed, the target is untouched, and the <see cref="IOException"/> names the target and the cause.
    /// </summary>
    public static void Write(string path, byte[] bytes) => WriteAsync(path, bytes, CancellationToken.None, synchronous: true).GetAwaiter().GetResult();

    /// <summary><see cref="Write"/> with asynchronous disk writes.</summary>
    public static Task WriteAsync(string path, byte[] bytes, CancellationToken cancellationToken) => WriteAsync(path, bytes, cancellationToken, synchronous: false);

    private static async Task WriteAsync(string path, byte[] bytes, CancellationToken cancellationToken, bool synchronous)
    {
        string full = Path.GetFullPath(path);
        string target = full;
        string? temporary = null;
        try
        {
            if (new FileInfo(full).LinkTarget is not null && File.ResolveLinkTarget(full, returnFinalTarget: true) is { } linked)
                target = linked.FullName;
            string directory = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(directory))
                throw new DirectoryNotFoundException($"Cannot save {target}: the folder {directory} does not exist.");
            temporary = Path.Combine(directory, $".lipgen-{Guid.NewGuid().ToString("N")[..12]}.tmp");
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16,
                FileOptions.WriteThrough | (synchronous ? FileOptions.None : FileOptions.Asynchronous)))
            {
                if (synchronous)
                    stream.Write(bytes);
                else
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch (OperationCanceledException)
        {
            if (temporary is not null)
                try { File.Delete(temporary); } catch (IOException) { } // cancelled: the target was never touched
            throw;
        }
        catch (Exception e) when (e is not DirectoryNotFoundException && (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException))
        {
            if (temporary is not null)
                try { File.Delete(temporary); } catch (IOException) { } // best effort: the target was never touched
            string via = target == full ? "" : $" (the target of the link {full})";
            throw new IOException($"Cannot save {target}{via}: {e.Message}", e);
        }
    }
}
