using System.Globalization;
using Microsoft.AspNetCore.Connections.Features;
using SnapUpgrade.Infra.Remote;

namespace SnapUpgrade.Web.Engine;

/// <summary>
/// Every request on the engine's socket: the peer checked by the kernel's word (SO_PEERCRED: root or a
/// member of the socket group, else 403 and a log line naming uid and pid), the protocol version
/// checked both ways (a mismatch is a 400 that names both versions), and the engine's version on every
/// answer. An exception becomes a 500 with its message (the web shows it; nothing here is a secret
/// the web may not see).
/// </summary>
public sealed partial class EngineGate(RequestDelegate next, EngineSocketGroup group, ILogger<EngineGate> logger)
{
    private static readonly string Version = EngineProtocol.Version.ToString(CultureInfo.InvariantCulture);

    public async Task InvokeAsync(HttpContext http)
    {
        http.Response.Headers[EngineProtocol.Header] = Version;
        var socket = http.Features.Get<IConnectionSocketFeature>()?.Socket;
        var peer = socket is null ? null : PeerCredentials.Of(socket);
        if (peer is null || !peer.MayUse(group.Gid))
        {
            LogRefused(logger, peer?.Uid, peer?.Pid, group.Gid);
            await ProblemAsync(http, StatusCodes.Status403Forbidden,
                $"The engine refused uid {peer?.Uid.ToString(CultureInfo.InvariantCulture) ?? "unknown"}: only root and members of the socket group may use it.");
            return;
        }
        var asked = http.Request.Headers[EngineProtocol.Header].ToString();
        if (asked != Version)
        {
            var theirs = asked.Length == 0 ? "none" : asked;
            LogMismatch(logger, theirs, Version, peer.Uid, peer.Pid);
            await ProblemAsync(http, StatusCodes.Status400BadRequest, EngineProtocol.Mismatch(Version, theirs));
            return;
        }
        try
        {
            await next(http);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !http.Response.HasStarted)
        {
            LogFailed(logger, http.Request.Path, ex);
            await ProblemAsync(http, StatusCodes.Status500InternalServerError, ex.Message);
        }
    }

    private static Task ProblemAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new EngineProblem(message), EngineProtocol.Json);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Engine socket: refused uid {Uid} (pid {Pid}): not root and not in group {Gid}")]
    private static partial void LogRefused(ILogger logger, uint? uid, int? pid, uint gid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engine socket: a client speaks protocol {Theirs}, this engine {Ours} (uid {Uid}, pid {Pid}): upgrade both packages")]
    private static partial void LogMismatch(ILogger logger, string theirs, string ours, uint uid, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engine socket: {Path} failed")]
    private static partial void LogFailed(ILogger logger, string path, Exception ex);
}
