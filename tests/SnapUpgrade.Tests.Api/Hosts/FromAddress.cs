using System.Net;
using System.Net.Sockets;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>Clients whose connections come from a chosen loopback address (127.0.0.2 is the loopback too).</summary>
public static class FromAddress
{
    /// <summary>
    /// A client of <paramref name="baseAddress"/> from <paramref name="source"/>, redirects not followed; with a
    /// cookie jar of its own, or (<paramref name="cookieJar"/> false) none, for a test that carries cookies by hand.
    /// </summary>
    public static HttpClient Client(Uri baseAddress, IPAddress source, bool cookieJar = true) => new(new SocketsHttpHandler
    {
        UseCookies = cookieJar, CookieContainer = new CookieContainer(), AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseAddress };
}
