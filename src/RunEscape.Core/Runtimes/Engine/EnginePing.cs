using System.Collections.Concurrent;
using System.Net.Sockets;

namespace RunEscape.Runtimes.Engine;

/// <summary>
/// Tells Docker Engine from Podman by the headers of <c>GET /_ping</c> (Podman answers with
/// Libpod-Api-Version), which costs under a millisecond; Podman's <c>/version</c> takes over a
/// second. The answer is cached per endpoint for the life of the process.
/// </summary>
internal static class EnginePing
{
    /// <summary>A raw HTTP client for the engine's API (unix socket or tcp), for calls Docker.DotNet does not offer.</summary>
    internal static HttpClient CreateClient(Uri endpoint, out Uri baseAddress)
    {
        var handler = new SocketsHttpHandler();
        baseAddress = endpoint;
        if (endpoint.Scheme == "unix")
        {
            var path = endpoint.LocalPath;
            handler.ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), token).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            baseAddress = new Uri("http://engine/");
        }
        else if (endpoint.Scheme == "tcp")
        {
            baseAddress = new UriBuilder(endpoint) { Scheme = "http" }.Uri;
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>An engine that accepts the connection but does not answer within this time is unreachable.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, string> Kinds = new(StringComparer.Ordinal);

    internal static async Task<string> KindAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        if (Kinds.TryGetValue(endpoint.ToString(), out var known))
        {
            return known;
        }

        using var client = CreateClient(endpoint, out var baseAddress);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(new Uri(baseAddress, "_ping"), cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer to GET /_ping within {Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var isEngine = response.IsSuccessStatusCode && (response.Headers.Contains("Api-Version") || response.Headers.Contains("Libpod-Api-Version"));
            if (!isEngine)
            {
                throw new EngineProtocolException($"it answered GET /_ping with {(int)response.StatusCode} {response.ReasonPhrase} and no engine API version: it is not a Docker Engine API endpoint");
            }

            var kind = response.Headers.Contains("Libpod-Api-Version") ? "podman" : "docker";
            Kinds[endpoint.ToString()] = kind;
            return kind;
        }
    }
}

/// <summary>The endpoint answered, but not as a container engine.</summary>
internal sealed class EngineProtocolException : Exception
{
    public EngineProtocolException(string message)
        : base(message)
    {
    }
}
