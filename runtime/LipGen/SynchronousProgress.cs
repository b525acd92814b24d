namespace LipGen;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler at once, on the reporting thread, in order. Pass it where LipGen takes
/// progress: <see cref="Progress{T}"/> posts each report to the thread pool when there is no synchronization context (a
/// console application), so its reports can arrive late and out of order.
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    private readonly Action<T> _handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <inheritdoc/>
    public void Report(T value) => _handler(value);
}
