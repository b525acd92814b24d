namespace LipGen.Training;

/// <summary>
/// A ready progress display for <see cref="Trainer.Train"/>: in a terminal, one line that each epoch redraws (epoch k/N,
/// loss, accuracy, certificate, validation, rate, time per epoch); when the output is redirected (a log, CI), one line per
/// <see cref="Every"/> epochs. Reports arrive on the training thread, in order.
/// </summary>
/// <example><code>Trainer.Train(net, train, loss, options, new ConsoleProgress(options.Epochs));</code></example>
public sealed class ConsoleProgress : IProgress<EpochReport>
{
    private readonly TextWriter _writer;
    private readonly bool _redraw;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _width;

    /// <summary>
    /// Draws to <paramref name="writer"/> (default: the console's output), for a run of <paramref name="epochs"/> epochs.
    /// <paramref name="redraw"/>: one updating line (default: when the console's output is a terminal).
    /// </summary>
    public ConsoleProgress(int epochs, TextWriter? writer = null, bool? redraw = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        Epochs = epochs;
        _writer = writer ?? Console.Out;
        _redraw = redraw ?? (writer is null && !Console.IsOutputRedirected);
        Every = Math.Max(1, epochs / 20);
    }

    /// <summary>The run's epoch count, shown as the denominator.</summary>
    public int Epochs { get; }

    /// <summary>Without redrawing, a line every this many epochs (and the first and last); default a twentieth of the run.</summary>
    public int Every { get; init; }

    /// <inheritdoc/>
    public void Report(EpochReport value)
    {
        bool last = value.Epoch >= Epochs;
        if (!_redraw && value.Epoch != 1 && value.Epoch % Every != 0 && !last)
            return;
        double perEpoch = _clock.Elapsed.TotalMilliseconds / Math.Max(1, value.Epoch);
        // The report's own line, with "[k/N]" in place of its "epoch k: ".
        string report = value.ToString();
        string prefix = Text.Format($"epoch {value.Epoch}: ");
        string line = Text.Format($"[{value.Epoch}/{Epochs}] ") + (report.StartsWith(prefix, StringComparison.Ordinal) ? report[prefix.Length..] : report)
            + Text.Format($"; {perEpoch:F1} ms/epoch");
        if (!_redraw)
        {
            _writer.WriteLine(line);
            return;
        }
        // Carriage return and padding redraw the line in place; the last epoch ends it.
        _writer.Write('\r');
        _writer.Write(line.PadRight(_width));
        _width = Math.Max(_width, line.Length);
        if (last)
            _writer.WriteLine();
        _writer.Flush();
    }

    /// <summary>Ends a redrawn line early (a run that stopped before <see cref="Epochs"/>); nothing otherwise.</summary>
    public void Complete()
    {
        if (_redraw && _width > 0)
            _writer.WriteLine();
        _width = 0;
    }
}
