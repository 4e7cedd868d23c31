using System.Diagnostics;
using System.Globalization;

namespace Drover.Jmx;

/// <summary>
/// JMX for one node through one persistent helper process (drover-jmx-helper.jar on the node's own Java):
/// started on first use, requests pipelined and matched by id, a request without a reply within
/// <see cref="JmxHelperOptions.RequestTimeout"/> kills the helper (a hung JMX call wedges it) and the next
/// request starts a fresh one; a helper that died is restarted on the next request, immediately the first
/// time and with a growing backoff when it keeps failing.
/// </summary>
/// <remarks>
/// Spawned with <c>Drover.Posix</c> and reaped through <c>ExitWaiters</c>: never System.Diagnostics.Process, whose
/// own waitpid would race the executor's waitpid(-1) reaper.
/// Errors: <see cref="JmxRemoteException"/> (the JMX side said no; the helper is fine),
/// <see cref="JmxTimeoutException"/>, <see cref="JmxHelperFailedException"/> (start, exit, protocol),
/// <see cref="OperationCanceledException"/> for the caller's own token.
/// </remarks>
public sealed class JmxHelper : IAsyncDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(2);

    private readonly JmxHelperOptions _options;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private HelperProcess? _current;
    private long _nextId;
    private int _failuresInARow;
    private long _lastStart;
    private int _starts;
    private bool _disposed;

    public JmxHelper(JmxHelperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public JmxHelperOptions Options => _options;

    /// <summary>How many helper processes were started so far.</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>The running helper's pid, if one runs.</summary>
    public int? Pid => Volatile.Read(ref _current) is { IsBroken: false } helper ? helper.Pid : null;

    /// <summary>Reads attributes of one MBean in one round trip; every attribute asked for is in the result.</summary>
    public async Task<IReadOnlyDictionary<string, JmxValue>> ReadAsync(string mbean, IReadOnlyList<string> attributes, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mbean);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentOutOfRangeException.ThrowIfZero(attributes.Count);
        var what = $"reading {string.Join(", ", attributes)} of {mbean}";
        var reply = await SendAsync(id => HelperProtocol.Read(id, mbean, attributes), what, cancellation).ConfigureAwait(false);
        var values = reply.Values ?? throw new JmxHelperFailedException($"the JMX helper's reply to {what} has no \"values\"");
        foreach (var attribute in attributes)
        {
            if (!values.ContainsKey(attribute))
            {
                throw new JmxHelperFailedException($"the JMX helper's reply to {what} lacks {attribute}");
            }
        }

        return values;
    }

    /// <summary>
    /// Invokes an MBean operation. <paramref name="signature"/> gives the Java parameter types
    /// ("java.lang.String", "int", "boolean", "[Ljava.lang.String;", "java.util.Map"...), one per argument.
    /// </summary>
    public async Task<JmxValue> InvokeAsync(string mbean, string operation, IReadOnlyList<JmxValue> arguments, IReadOnlyList<string> signature, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mbean);
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(signature);
        if (arguments.Count != signature.Count)
        {
            throw new ArgumentException($"{arguments.Count} arguments but {signature.Count} signature types", nameof(signature));
        }

        var reply = await SendAsync(id => HelperProtocol.Invoke(id, mbean, operation, arguments, signature), $"invoking {operation} on {mbean}", cancellation).ConfigureAwait(false);
        return reply.Result ?? JmxValue.Null;
    }

    /// <summary>A round trip to the helper only (no JMX): starts it if needed.</summary>
    public async Task PingAsync(CancellationToken cancellation = default) =>
        await SendAsync(HelperProtocol.Ping, "ping", cancellation).ConfigureAwait(false);

    private async Task<HelperReply> SendAsync(Func<long, byte[]> request, string what, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_options.RequestTimeout);
        HelperProcess? helper = null;
        try
        {
            helper = await CurrentAsync(timeout.Token).ConfigureAwait(false);
            var id = Interlocked.Increment(ref _nextId);
            var reply = await helper.SendAsync(id, request(id), timeout.Token).ConfigureAwait(false);
            Volatile.Write(ref _failuresInARow, 0);
            return reply.Ok
                ? reply
                : throw new JmxRemoteException($"{what} failed: {reply.Error}");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            var seconds = _options.RequestTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var message = $"{what} got no reply within {seconds}s; the JMX helper was killed and will be restarted";
            helper?.Break(new JmxHelperFailedException($"the JMX helper was killed after {what} timed out"));
            throw new JmxTimeoutException(message, new TimeoutException(message));
        }
    }

    /// <summary>The running helper, or a new one (after the backoff when helpers keep failing).</summary>
    private async Task<HelperProcess> CurrentAsync(CancellationToken cancellation)
    {
        var current = Volatile.Read(ref _current);
        if (current is { IsBroken: false })
        {
            return current;
        }

        await _startGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            current = _current;
            if (current is { IsBroken: false })
            {
                return current;
            }

            if (current is not null)
            {
                _failuresInARow++;
            }

            var wait = Backoff(_failuresInARow) - Stopwatch.GetElapsedTime(_lastStart);
            if (wait > TimeSpan.Zero)
            {
                // Fail now rather than sit out the backoff: a health check wants an answer.
                throw new JmxHelperFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"the JMX helper failed {_failuresInARow} times in a row (last: {current?.Failure?.Message}); next start in {wait.TotalSeconds:0.###}s"));
            }

            _lastStart = Stopwatch.GetTimestamp();
            HelperProcess started;
            try
            {
                started = HelperProcess.Start(_options);
            }
            catch (JmxHelperFailedException)
            {
                // A helper that cannot even start counts as a failure: the backoff applies to it too.
                _failuresInARow++;
                throw;
            }

            Interlocked.Increment(ref _starts);
            _current = started;
            if (_options.Credentials is { } credentials)
            {
                await started.SendCredentialsAsync(credentials, cancellation).ConfigureAwait(false);
            }

            return started;
        }
        finally
        {
            _startGate.Release();
        }
    }

    private TimeSpan Backoff(int failuresInARow)
    {
        if (failuresInARow <= 1)
        {
            return TimeSpan.Zero;
        }

        var doubled = _options.RestartBackoff * Math.Pow(2, Math.Min(failuresInARow - 2, 20));
        return doubled < _options.MaxRestartBackoff ? doubled : _options.MaxRestartBackoff;
    }

    /// <summary>Stops the helper: closes its stdin (it exits), kills it if it does not within 2 s.</summary>
    public async ValueTask DisposeAsync()
    {
        await _startGate.WaitAsync().ConfigureAwait(false);
        HelperProcess? current;
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            current = _current;
            _current = null;
        }
        finally
        {
            _startGate.Release();
        }

        if (current is not null)
        {
            await current.StopAsync(StopPatience).ConfigureAwait(false);
        }
    }
}
