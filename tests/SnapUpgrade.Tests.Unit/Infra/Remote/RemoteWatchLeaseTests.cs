using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Infra.Remote;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra.Remote;

/// <summary>
/// The web role watches through the engine (ADR 0021): while one of its pages is open it asks the engine
/// to keep reading (<see cref="EngineProtocol.Watch"/>); a subscriber that does not watch asks nothing.
/// Against a stand-in engine on a real Unix socket that answers every request and records its line.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RemoteWatchLeaseTests : IAsyncDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("snapupgrade-lease-");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _serving;
    private readonly EngineClient _client;
    private readonly RemoteHostStateStream _stream;

    public RemoteWatchLeaseTests()
    {
        var socket = Path.Combine(_dir.FullName, "engine.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(socket));
        _listener.Listen();
        _serving = ServeAsync(_stop.Token);
        _client = new EngineClient(socket);
        _stream = new RemoteHostStateStream(_client, new RemoteEngine(_client), NullLogger<RemoteHostStateStream>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
        _stream.Dispose();
        _client.Dispose();
        _stop.Dispose();
        _dir.Delete(recursive: true);
    }

    private int Leases => _requests.Count(r => r == $"POST /{EngineProtocol.Watch}");

    [Fact]
    public async Task APageOpen_AsksTheEngineToKeepWatching()
    {
        using var page = _stream.Subscribe(_ => { }, watching: true);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Leases == 0 && DateTime.UtcNow < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);

        Assert.Equal(1, Leases);
    }

    [Fact]
    public async Task OnlySubscribersThatDoNotWatch_AskNothing()
    {
        using var passive = _stream.Subscribe(_ => { }, watching: false);

        await Task.Delay(500, TestContext.Current.CancellationToken);

        Assert.Empty(_requests);
    }

    /// <summary>Answers each request with an empty JSON object in this protocol's version, one per connection.</summary>
    private async Task ServeAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var peer = await _listener.AcceptAsync(ct);
            var buffer = new byte[8192];
            var read = await peer.ReceiveAsync(buffer, ct);
            var request = Encoding.ASCII.GetString(buffer, 0, read);
            var line = request.Split("\r\n")[0];
            _requests.Enqueue(line[..line.LastIndexOf(' ')]);
            var answer = $"HTTP/1.1 200 OK\r\n{EngineProtocol.Header}: {EngineProtocol.Version}\r\nContent-Type: application/json\r\n" +
                         "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
            await peer.SendAsync(Encoding.ASCII.GetBytes(answer), ct);
        }
    }
}
