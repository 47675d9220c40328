using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// HTTP/1.1 to the engine over its Unix socket. Every request carries the protocol version; an answer in
/// another version is refused. A connection that fails becomes an <see cref="EngineUnavailableException"/>
/// that names the cause: the socket missing, a stale socket file (nothing answers), no permission on it
/// (EACCES), or the engine refusing this user.
/// </summary>
public sealed class EngineClient : IDisposable
{
    private readonly HttpClient _http;

    public EngineClient(string socket)
    {
        Socket = socket;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            // Nothing in between: no proxy from the environment may reroute a call meant for the local engine.
            UseProxy = false,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri("http://engine/"),
            // Operations take as long as they take (a migration copies files); the caller's token bounds them.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Add(EngineProtocol.Header, EngineProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public string Socket { get; }

    public async Task<T> GetAsync<T>(string path, CancellationToken ct) =>
        await ReadAsync<T>(await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct), ct);

    public async Task<T> PostAsync<T>(string path, object? body, CancellationToken ct) =>
        await ReadAsync<T>(await SendAsync(Post(path, body), ct), ct);

    /// <summary>POST for a long answer read as it comes (a stream of lines); the caller disposes the answer.</summary>
    public Task<HttpResponseMessage> OpenAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var request = method == HttpMethod.Get ? new HttpRequestMessage(method, path) : Post(path, body);
        return SendAsync(request, ct, HttpCompletionOption.ResponseHeadersRead);
    }

    private static HttpRequestMessage Post(string path, object? body) => new(HttpMethod.Post, path)
    {
        Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: EngineProtocol.Json),
    };

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            using (request) response = await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException ex) when (ex.InnerException is EngineUnavailableException unavailable)
        {
            throw new EngineUnavailableException(unavailable.Message, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new EngineUnavailableException($"The engine on {Socket} did not answer: {ex.Message}", ex);
        }
        try
        {
            await CheckAsync(response, ct);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Another protocol, or a refusal by the engine's peer check: said as the engine said it.</summary>
    private async Task CheckAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var version = response.Headers.TryGetValues(EngineProtocol.Header, out var values) ? values.FirstOrDefault() : null;
        if (version != EngineProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new EngineUnavailableException(EngineProtocol.Mismatch(version ?? "none (not a SnapUpgrade engine?)",
                EngineProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (response.IsSuccessStatusCode) return;
        var problem = await ProblemAsync(response, ct);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            throw new EngineUnavailableException($"The engine on {Socket} refused this process: {problem}");
        throw new InvalidOperationException($"The engine failed: {problem}");
    }

    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<EngineProblem>(EngineProtocol.Json, ct))?.Message ?? $"HTTP {(int)response.StatusCode}";
        }
        catch (System.Text.Json.JsonException)
        {
            return $"HTTP {(int)response.StatusCode}";
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
            return (await response.Content.ReadFromJsonAsync<T>(EngineProtocol.Json, ct))
                ?? throw new InvalidOperationException($"The engine answered {typeof(T).Name} as null.");
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new EngineUnavailableException(Describe(ex), ex);
        }
    }

    /// <summary>Each way a connection to the socket fails, in words an admin can act on.</summary>
    private string Describe(SocketException ex)
    {
        if (!File.Exists(Socket) && !Directory.Exists(Path.GetDirectoryName(Socket)))
            return $"The engine socket {Socket} is missing (its directory does not exist): is snapupgrade-engine running?";
        return ex.SocketErrorCode switch
        {
            SocketError.AccessDenied =>
                $"No permission on the engine socket {Socket} (EACCES): the web's user must be in the socket's group (SnapUpgrade:Engine:Group).",
            SocketError.ConnectionRefused =>
                $"Nothing answers on the engine socket {Socket} (connection refused: a stale socket file): start snapupgrade-engine.",
            _ when !File.Exists(Socket) =>
                $"The engine socket {Socket} is missing: is snapupgrade-engine running?",
            _ => $"Could not connect to the engine socket {Socket}: {ex.Message} ({ex.SocketErrorCode}).",
        };
    }

    public void Dispose() => _http.Dispose();
}
