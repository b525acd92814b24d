using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace LipGen.Generator;

/// <summary>
/// A small indented text writer: the emitter feeds it whole lines. An interpolated line is written straight into the
/// builder through <see cref="LineHandler"/>, so emitting makes no temporary string per line (the generator runs on every
/// build, and its garbage is promoted along with the compiler's own objects).
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public void Line(string text = "")
    {
        if (text.Length > 0)
            _builder.Append(' ', _indent * 4).Append(text);
        _builder.Append('\n');
    }

    /// <summary>An interpolated line, appended part by part (numbers in the invariant culture).</summary>
    public void Line([InterpolatedStringHandlerArgument("")] ref LineHandler line) => _builder.Append('\n');

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    public void Open([InterpolatedStringHandlerArgument("")] ref LineHandler header)
    {
        _builder.Append('\n');
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _builder.ToString();

    /// <summary>Appends an interpolated line's parts to the writer, after its indentation.</summary>
    [InterpolatedStringHandler]
    public readonly ref struct LineHandler
    {
        private readonly StringBuilder _builder;

        public LineHandler(int literalLength, int formattedCount, SourceWriter writer)
        {
            _builder = writer._builder;
            if (literalLength + formattedCount > 0)
                _builder.Append(' ', writer._indent * 4);
        }

        public void AppendLiteral(string value) => _builder.Append(value);

        public void AppendFormatted(string? value) => _builder.Append(value);

        public void AppendFormatted(int value) => _builder.Append(value.ToString(CultureInfo.InvariantCulture));

        public void AppendFormatted<T>(T value) =>
            _builder.Append(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString());
    }
}
