using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using SnapUpgrade.Infra.Processes;
using Xunit;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// A Debian flat repository served over real HTTP on the loopback address by the test process: the
/// .debs it is given and their <c>Packages</c> index (the control fields <c>dpkg-deb -f</c> reads, with
/// Filename, Size and SHA256), so the real apt-get downloads from it as from a mirror. Every path asked
/// for is recorded: a test sees what apt-get fetched, and when.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class AptRepository : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Dictionary<string, byte[]> _files;
    private readonly ConcurrentQueue<string> _requested = new();
    private readonly Task _serving;

    private AptRepository(HttpListener listener, Dictionary<string, byte[]> files, string url)
    {
        (_listener, _files, Url) = (listener, files, url);
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The repository's address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public string Url { get; }

    /// <summary>The line for sources.list: a flat repository, trusted without a signed Release (it has none).</summary>
    public string SourcesLine => $"deb [trusted=yes] {Url} ./";

    /// <summary>Every path asked for so far (404s too), in order.</summary>
    public IReadOnlyList<string> Requested => [.. _requested];

    public static async Task<AptRepository> ServeAsync(IReadOnlyList<string> debs, CancellationToken ct)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var index = new StringBuilder();
        foreach (var deb in debs)
        {
            var fields = await new ProcessRunner(TimeSpan.FromMinutes(1)).RunAsync(["dpkg-deb", "-f", deb], ct: ct);
            Assert.True(fields.Succeeded, fields.StandardError);
            var bytes = await File.ReadAllBytesAsync(deb, ct);
            var name = Path.GetFileName(deb);
            files["/" + name] = bytes;
            index.Append(fields.StandardOutput.TrimEnd('\n')).Append('\n')
                .Append($"Filename: ./{name}\nSize: {bytes.Length}\nSHA256: {Convert.ToHexStringLower(SHA256.HashData(bytes))}\n\n");
        }
        files["/Packages"] = Encoding.UTF8.GetBytes(index.ToString());
        for (var attempt = 1; ; attempt++)
        {
            var url = $"http://127.0.0.1:{FreePort()}/";
            var listener = new HttpListener();
            listener.Prefixes.Add(url);
            try
            {
                listener.Start();
                return new AptRepository(listener, files, url);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close(); // the port was taken between finding it and binding it
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            var path = context.Request.Url?.AbsolutePath ?? "";
            _requested.Enqueue(path);
            try
            {
                await RespondAsync(context, path);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // apt closed the connection while the answer was written (it retries, or the test fails on what
                // apt says): the next request is served all the same.
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context, string path)
    {
        using var response = context.Response;
        if (!_files.TryGetValue(path, out var body))
        {
            response.StatusCode = 404;
            return;
        }
        response.ContentType = "application/octet-stream";
        response.ContentLength64 = body.Length;
        if (context.Request.HttpMethod != "HEAD") await response.OutputStream.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
