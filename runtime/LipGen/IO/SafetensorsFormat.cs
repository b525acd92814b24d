// Shared source: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0), so it sticks to
// APIs both have. It parses and checks the container; what the tensors must be for a given network is checked by callers.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace LipGen.IO;

/// <summary>A malformed or unsuitable safetensors file; the message names the problem.</summary>
public sealed class SafetensorsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SafetensorsException(string message) : base(message)
    {
    }
}

/// <summary>One tensor of a safetensors file: its dtype, shape and byte range within the data section.</summary>
public sealed class SafetensorsTensor
{
    internal SafetensorsTensor(string name, string dtype, long[] shape, long begin, long end)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Begin = begin;
        End = end;
    }

    /// <summary>The tensor's name, e.g. "layers.0.weight".</summary>
    public string Name { get; }

    /// <summary>The dtype string, e.g. "F32".</summary>
    public string DType { get; }

    /// <summary>The shape.</summary>
    public long[] Shape { get; }

    /// <summary>Start of the tensor's bytes, relative to the data section.</summary>
    public long Begin { get; }

    /// <summary>End (exclusive) of the tensor's bytes, relative to the data section.</summary>
    public long End { get; }
}

/// <summary>
/// The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N
/// bytes of UTF-8 JSON, then the data section. The JSON maps tensor names to {"dtype", "shape", "data_offsets": [begin,
/// end]} (offsets relative to the data section) and may hold "__metadata__", a map of strings.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>The largest header accepted (the format's own reference implementation uses 100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1, ["BOOL"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
    };

    private SafetensorsFile(Dictionary<string, string> metadata, List<SafetensorsTensor> tensors, long dataStart)
    {
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
    }

    /// <summary>The "__metadata__" entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, in the order of the header.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>Offset of the data section in the file.</summary>
    public long DataStart { get; }

    /// <summary>Parses and checks the container: header length, JSON, dtypes, shapes against byte ranges, and that the
    /// ranges tile the data section exactly (no overlap, no gap, nothing past the end).</summary>
    public static SafetensorsFile Parse(byte[] file)
    {
        if (file is null)
            throw new ArgumentNullException(nameof(file));
        if (file.Length < 8)
            throw new SafetensorsException($"The file is {file.Length} bytes long; a safetensors file starts with an 8-byte header length.");
        ulong headerLength = 0;
        for (int i = 7; i >= 0; i--)
            headerLength = (headerLength << 8) | file[i];
        if (headerLength > MaxHeaderLength || (long)headerLength > file.Length - 8)
            throw new SafetensorsException($"The header claims {headerLength} bytes but the file has {file.Length - 8} after the length field: truncated, or not a safetensors file.");
        string json;
        try
        {
            json = new UTF8Encoding(false, true).GetString(file, 8, (int)headerLength);
        }
        catch (DecoderFallbackException)
        {
            throw new SafetensorsException("The header is not valid UTF-8: not a safetensors file.");
        }
        if (json.Length == 0 || json[0] != '{')
            throw new SafetensorsException("The header does not start with '{': not a safetensors file.");

        object? root;
        try
        {
            var reader = new JsonReader(json);
            root = reader.ReadValue();
            reader.ExpectEnd();
        }
        catch (FormatException e)
        {
            throw new SafetensorsException($"The header is not valid JSON: {e.Message}");
        }
        if (root is not Dictionary<string, object?> entries)
            throw new SafetensorsException("The header is not a JSON object.");

        long dataLength = file.Length - 8 - (long)headerLength;
        var metadata = new Dictionary<string, string>();
        var tensors = new List<SafetensorsTensor>();
        foreach (KeyValuePair<string, object?> entry in entries)
        {
            if (entry.Key == "__metadata__")
            {
                if (entry.Value is not Dictionary<string, object?> map)
                    throw new SafetensorsException("\"__metadata__\" is not an object of strings.");
                foreach (KeyValuePair<string, object?> item in map)
                    metadata[item.Key] = item.Value as string ?? throw new SafetensorsException($"Metadata \"{item.Key}\" is not a string.");
                continue;
            }
            tensors.Add(ReadTensor(entry.Key, entry.Value, dataLength));
        }

        // The byte ranges must tile the data section: sorted by start, each begins where the last ended.
        var sorted = new List<SafetensorsTensor>(tensors);
        sorted.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long expected = 0;
        foreach (SafetensorsTensor t in sorted)
        {
            if (t.Begin < expected)
                throw new SafetensorsException($"Tensor \"{t.Name}\" overlaps the tensor before it (bytes {t.Begin}–{t.End}).");
            if (t.Begin > expected)
                throw new SafetensorsException($"The data section has a gap of {t.Begin - expected} bytes before tensor \"{t.Name}\".");
            expected = t.End;
        }
        if (expected != dataLength)
            throw new SafetensorsException(expected < dataLength
                ? $"The data section has {dataLength - expected} bytes that no tensor claims."
                : $"The tensors need {expected} bytes of data but the file has {dataLength}: truncated.");
        return new SafetensorsFile(metadata, tensors, 8 + (long)headerLength);
    }

    private static SafetensorsTensor ReadTensor(string name, object? value, long dataLength)
    {
        if (value is not Dictionary<string, object?> fields)
            throw new SafetensorsException($"Tensor \"{name}\" is not described by an object.");
        if (!fields.TryGetValue("dtype", out object? dtypeValue) || dtypeValue is not string dtype)
            throw new SafetensorsException($"Tensor \"{name}\" has no dtype.");
        if (!DTypeSizes.TryGetValue(dtype, out int size))
            throw new SafetensorsException($"Tensor \"{name}\" has unknown dtype \"{dtype}\".");
        long[] shape = Integers(fields, "shape", name);
        long[] offsets = Integers(fields, "data_offsets", name);
        if (offsets.Length != 2)
            throw new SafetensorsException($"Tensor \"{name}\" has {offsets.Length} data offsets; it needs [begin, end].");
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0 || (d > 0 && count > long.MaxValue / d / 8))
                throw new SafetensorsException($"Tensor \"{name}\" has an invalid shape [{string.Join(", ", shape)}].");
            count *= d;
        }
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin || end > dataLength)
            throw new SafetensorsException($"Tensor \"{name}\" claims bytes {begin}–{end}, outside the {dataLength}-byte data section: the file is truncated or its header is wrong.");
        if (end - begin != count * size)
            throw new SafetensorsException($"Tensor \"{name}\" has shape [{string.Join(", ", shape)}] of {dtype} ({count * size} bytes) but claims {end - begin} bytes.");
        return new SafetensorsTensor(name, dtype, shape, begin, end);
    }

    private static long[] Integers(Dictionary<string, object?> fields, string key, string name)
    {
        if (!fields.TryGetValue(key, out object? value) || value is not List<object?> list)
            throw new SafetensorsException($"Tensor \"{name}\" has no \"{key}\" array.");
        var result = new long[list.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = list[i] is long n ? n : throw new SafetensorsException($"Tensor \"{name}\": \"{key}\" must hold integers.");
        return result;
    }

    /// <summary>A float32 tensor's values (little-endian in the file).</summary>
    public float[] ReadFloats(byte[] file, SafetensorsTensor tensor)
    {
        if (tensor.DType != "F32")
            throw new SafetensorsException($"Tensor \"{tensor.Name}\" is {tensor.DType}; LipGen networks hold F32.");
        var values = new float[(tensor.End - tensor.Begin) / 4];
        long at = DataStart + tensor.Begin;
        for (int i = 0; i < values.Length; i++, at += 4)
        {
            int bits = file[at] | (file[at + 1] << 8) | (file[at + 2] << 16) | (file[at + 3] << 24);
            values[i] = BitConverter.ToSingle(BitConverter.GetBytes(bits), 0);
        }
        return values;
    }

    /// <summary>
    /// A deliberately small JSON reader: objects, arrays, strings (with escapes), integers, and the literals true, false and
    /// null. Fractional numbers are read as doubles. Throws FormatException with the offset on anything else.
    /// </summary>
    private sealed class JsonReader(string text)
    {
        /// <summary>Deeper nesting than any safetensors header needs; a limit keeps hostile input off the stack's end.</summary>
        private const int MaxDepth = 32;

        private int _at;
        private int _depth;

        public object? ReadValue()
        {
            if (++_depth > MaxDepth)
                throw Error($"nesting deeper than {MaxDepth} levels");
            try
            {
                return ReadValueAt();
            }
            finally
            {
                _depth--;
            }
        }

        private object? ReadValueAt()
        {
            SkipSpace();
            if (_at >= text.Length)
                throw Error("unexpected end");
            char c = text[_at];
            switch (c)
            {
                case '{':
                    _at++;
                    var map = new Dictionary<string, object?>();
                    SkipSpace();
                    if (Peek('}'))
                        return map;
                    do
                    {
                        SkipSpace();
                        string key = ReadString();
                        SkipSpace();
                        Expect(':');
                        if (map.ContainsKey(key))
                            throw Error($"duplicate key \"{key}\"");
                        map[key] = ReadValue();
                        SkipSpace();
                    }
                    while (Peek(','));
                    Expect('}');
                    return map;
                case '[':
                    _at++;
                    var list = new List<object?>();
                    SkipSpace();
                    if (Peek(']'))
                        return list;
                    do
                        list.Add(ReadValue());
                    while (SkipSpaceThen(','));
                    Expect(']');
                    return list;
                case '"':
                    return ReadString();
                default:
                    if (Literal("true")) return true;
                    if (Literal("false")) return false;
                    if (Literal("null")) return null;
                    return ReadNumber();
            }
        }

        public void ExpectEnd()
        {
            SkipSpace();
            if (_at != text.Length)
                throw Error("trailing characters after the header object");
        }

        private object ReadNumber()
        {
            int start = _at;
            while (_at < text.Length && "+-0123456789.eE".IndexOf(text[_at]) >= 0)
                _at++;
            string token = text.Substring(start, _at - start);
            if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                return integer;
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
                return real;
            throw Error(token.Length == 0 ? $"unexpected '{text[start]}'" : $"bad number \"{token}\"");
        }

        private string ReadString()
        {
            Expect('"');
            var value = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length)
                    throw Error("unterminated string");
                char c = text[_at++];
                if (c == '"')
                    return value.ToString();
                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }
                if (_at >= text.Length)
                    throw Error("unterminated escape");
                char e = text[_at++];
                switch (e)
                {
                    case '"': value.Append('"'); break;
                    case '\\': value.Append('\\'); break;
                    case '/': value.Append('/'); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > text.Length || !int.TryParse(text.Substring(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                            throw Error("bad \\u escape");
                        value.Append((char)code);
                        _at += 4;
                        break;
                    default:
                        throw Error($"bad escape \\{e}");
                }
            }
        }

        private bool Literal(string word)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0)
                return false;
            _at += word.Length;
            return true;
        }

        private bool Peek(char c)
        {
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        private bool SkipSpaceThen(char c)
        {
            SkipSpace();
            return Peek(c);
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (!Peek(c))
                throw Error(_at < text.Length ? $"expected '{c}' but found '{text[_at]}'" : $"expected '{c}' at the end");
        }

        private void SkipSpace()
        {
            while (_at < text.Length && text[_at] is ' ' or '\t' or '\n' or '\r')
                _at++;
        }

        private FormatException Error(string what) => new($"{what} at offset {_at}");
    }
}
