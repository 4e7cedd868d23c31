using System.Threading.Channels;
using Drover.Mesos.RecordIO;
using Drover.Mesos.V1.Scheduler;
using Google.Protobuf;

namespace Drover.Mesos.Scheduler;

public sealed partial class SchedulerClient
{
    /// <summary>How one subscription attempt ended.</summary>
    private abstract record Outcome;

    /// <summary>307 to another master: try it at once.</summary>
    private sealed record Redirected(MasterEndpoint Target, string Reason) : Outcome;

    /// <summary>Try again after the backoff; <paramref name="WasSubscribed"/> resets the backoff.</summary>
    private sealed record Retry(string Reason, bool WasSubscribed = false) : Outcome;

    /// <summary>Stop: nothing will change by retrying.</summary>
    private sealed record Fatal(int Status, string Reason) : Outcome;

    private async Task RunAsync(Func<Call> subscribeCall, CancellationToken stopping)
    {
        var backoff = new Backoff(_options.InitialBackoff, _options.MaxBackoff);
        MasterEndpoint? redirectedTo = null;
        var redirects = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var outcome = await AttemptAsync(redirectedTo, subscribeCall, stopping).ConfigureAwait(false);
                redirectedTo = null;
                if (outcome is Redirected redirect && ++redirects <= SchedulerClientOptions.MaxRedirects)
                {
                    Log(redirect.Reason);
                    redirectedTo = redirect.Target;
                    continue;
                }

                redirects = 0;
                if (outcome is Fatal fatal)
                {
                    Log($"stopping: {fatal.Reason}");
                    await PublishAsync(new Refused(fatal.Status, fatal.Reason), stopping).ConfigureAwait(false);
                    return;
                }

                var reason = outcome switch
                {
                    Retry retry => retry.Reason,
                    Redirected r => $"{r.Reason}; more than {SchedulerClientOptions.MaxRedirects} redirects in a row",
                    _ => outcome.ToString(),
                };
                if (outcome is Retry { WasSubscribed: true })
                {
                    backoff.Reset();
                }

                var delay = backoff.Next();
                Log($"{reason}; subscribing again in {delay.TotalSeconds:0.###} s");
                await PublishAsync(new Disconnected(reason), stopping).ConfigureAwait(false);
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            _session = null;
            _events.Writer.TryComplete();
        }
    }

    private async Task<Outcome> AttemptAsync(MasterEndpoint? redirectedTo, Func<Call> subscribeCall, CancellationToken stopping)
    {
        MasterCandidate? candidate;
        try
        {
            candidate = redirectedTo is { } target ? new MasterCandidate(target, null) : await _detector.NextAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            return new Retry($"finding the leading master failed: {e.Message}");
        }

        if (candidate is null)
        {
            return new Retry($"no leading master in {_options.Masters}");
        }

        if (candidate.Info is { } known && MasterVersion.Refusal(known.Version, _options.MinimumMasterVersion) is { } tooOld)
        {
            return new Fatal(0, $"refusing master {candidate.Endpoint}: {tooOld}");
        }

        var call = subscribeCall();
        if (call.Type != Call.Types.Type.Subscribe || call.Subscribe is null)
        {
            return new Fatal(0, $"the subscribe callback returned a {call.Type} call without 'subscribe'");
        }

        return await SubscribeAsync(candidate.Endpoint, call, stopping).ConfigureAwait(false);
    }

    private async Task<Outcome> SubscribeAsync(MasterEndpoint endpoint, Call call, CancellationToken stopping)
    {
        // The watchdog bounds the wait for headers and SUBSCRIBED by ConnectTimeout, then the silence between
        // events by the heartbeat interval times the heartbeats one may miss.
        using var watchdog = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, watchdog.Token);
        var silence = _options.ConnectTimeout;
        var subscribed = false;
        Log($"subscribing to {endpoint}");
        try
        {
            using var request = NewRequest(endpoint, call);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status != 200)
            {
                return await RefusedSubscriptionAsync(endpoint, response, linked.Token).ConfigureAwait(false);
            }

            if (!response.Headers.TryGetValues(StreamIdHeader, out var ids) || ids.FirstOrDefault() is not { Length: > 0 } streamId)
            {
                return new Retry($"{endpoint} answered SUBSCRIBE with 200 but no {StreamIdHeader} header");
            }

            if (response.Content.Headers.ContentType?.MediaType is { } mediaType && mediaType != Protobuf)
            {
                return new Retry($"{endpoint} streams '{mediaType}', not {Protobuf}");
            }

            var body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using var reader = new RecordIOStreamReader(body, _options.MaxEventSize);
            while (true)
            {
                var @event = await reader.ReadAsync(static record => Event.Parser.ParseFrom(record), linked.Token).ConfigureAwait(false);
                if (@event is null)
                {
                    return new Retry($"{endpoint} closed the event stream", subscribed);
                }

                if (!subscribed)
                {
                    if (@event.Type == Event.Types.Type.Error)
                    {
                        await PublishAsync(new Received(@event), stopping).ConfigureAwait(false);
                        return new Fatal(200, $"{endpoint} refused the subscription: {@event.Error?.Message}");
                    }

                    if (@event.Type != Event.Types.Type.Subscribed || @event.Subscribed is null)
                    {
                        return new Retry($"{endpoint} sent {@event.Type} where SUBSCRIBED was expected");
                    }

                    if (@event.Subscribed.MasterInfo is { } master && MasterVersion.Refusal(master.Version, _options.MinimumMasterVersion) is { } tooOld)
                    {
                        return new Fatal(0, $"refusing master {endpoint}: {tooOld}");
                    }

                    subscribed = true;
                    var interval = @event.Subscribed.HasHeartbeatIntervalSeconds && @event.Subscribed.HeartbeatIntervalSeconds > 0
                        ? TimeSpan.FromSeconds(@event.Subscribed.HeartbeatIntervalSeconds)
                        : SchedulerClientOptions.DefaultHeartbeatInterval;
                    silence = interval * _options.MissedHeartbeatsBeforeReconnect;
                    _session = new Session(endpoint, streamId, @event.Subscribed.FrameworkId, @event.Subscribed.MasterInfo);
                    Log($"subscribed to {endpoint} as framework {@event.Subscribed.FrameworkId.Value}, stream {streamId}, heartbeat every {interval.TotalSeconds:0.###} s");
                    watchdog.CancelAfter(Timeout.InfiniteTimeSpan);
                    await PublishAsync(new Connected(@event.Subscribed.MasterInfo ?? new V1.MasterInfo(), streamId, endpoint), stopping).ConfigureAwait(false);
                }

                // The owner's pace must not look like missed heartbeats: the watchdog sleeps while the event is handed over.
                watchdog.CancelAfter(Timeout.InfiniteTimeSpan);
                await PublishAsync(new Received(@event), stopping).ConfigureAwait(false);
                if (@event.Type == Event.Types.Type.Error)
                {
                    return new Fatal(200, $"the master sent ERROR: {@event.Error?.Message}");
                }

                watchdog.CancelAfter(silence);
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested && watchdog.IsCancellationRequested)
        {
            return subscribed
                ? new Retry($"no event from {endpoint} for {silence.TotalSeconds:0.###} s ({_options.MissedHeartbeatsBeforeReconnect} heartbeats missed)", true)
                : new Retry($"{endpoint} did not answer SUBSCRIBE within {_options.ConnectTimeout.TotalSeconds:0.###} s");
        }
        catch (InvalidProtocolBufferException e)
        {
            return new Retry($"{endpoint} sent an event that does not decode: {e.Message}", subscribed);
        }
        catch (RecordIOException e)
        {
            return new Retry($"the event stream from {endpoint} lost its framing: {e.Message}", subscribed);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new Retry($"{(subscribed ? "lost the event stream from" : "could not subscribe to")} {endpoint}: {e.Message}", subscribed);
        }
        finally
        {
            _session = null;
        }
    }

    /// <summary>SUBSCRIBE answered something other than 200.</summary>
    private async Task<Outcome> RefusedSubscriptionAsync(MasterEndpoint endpoint, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status == 307)
        {
            var location = response.Headers.Location?.OriginalString;
            return RedirectTarget(endpoint, location) is { } target
                ? new Redirected(target, $"{endpoint} is not the leader: redirected to {target}")
                : new Retry($"{endpoint} redirected to an unusable location '{location}'");
        }

        var body = await ReadErrorBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var said = body.Length > 0 ? $": {body}" : "";
        return status switch
        {
            503 => new Retry($"{endpoint} answered 503{said}"),
            401 => new Fatal(status, $"{endpoint} refused the credentials (401){said}; the master authenticates frameworks: give the principal and its secret"),
            403 => new Fatal(status, $"{endpoint} does not authorize this framework (403){said}"),
            >= 400 and < 500 => new Fatal(status, $"{endpoint} refused SUBSCRIBE ({status}){said}"),
            _ => new Retry($"{endpoint} answered {status}{said}"),
        };
    }

    /// <summary>
    /// The master named in a redirect. Masters send a scheme-relative location (<c>//host:port/api/v1/scheduler</c>,
    /// src/master/http.cpp redirect()); absolute URLs are accepted too.
    /// </summary>
    public static MasterEndpoint? RedirectTarget(MasterEndpoint from, string? location)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            return null;
        }

        if (!Uri.TryCreate(new Uri($"http://{from}/"), location, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return null;
        }

        var port = uri.IsDefaultPort && !location.Contains($":{uri.Port}", StringComparison.Ordinal) ? MasterAddress.DefaultMasterPort : uri.Port;
        return new MasterEndpoint(uri.IdnHost.Trim('[', ']'), port);
    }

    private async ValueTask PublishAsync(SchedulerClientEvent @event, CancellationToken cancellationToken)
    {
        try
        {
            await _events.Writer.WriteAsync(@event, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
        }
    }
}
