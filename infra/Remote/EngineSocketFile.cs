using System.Net.Sockets;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Host;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The engine's socket file on disk: a stale one (left by an engine that was killed) is removed before
/// the engine listens, but only when nothing answers on it; once listening it becomes root's, mode 0660,
/// group <see cref="HostSettings.EngineGroup"/>, so only root and that group's members can connect.
/// </summary>
public static class EngineSocketFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>
    /// Checks the group exists (its gid is returned) and clears the way for the listener. Throws
    /// <see cref="InvalidHostSettingsException"/> with what to do when it cannot start.
    /// </summary>
    /// <returns>The group's id and whether a stale socket file was removed.</returns>
    public static (uint Gid, bool RemovedStale) Prepare(HostSettings settings)
    {
        var gid = GroupId(settings.EngineGroup) ?? throw new InvalidHostSettingsException([
            $"{HostSettings.Section}:Engine:Group is '{settings.EngineGroup}', but no such group exists: create it " +
            $"(groupadd --system {settings.EngineGroup}) and put the web's user in it, or name another group."]);
        var socket = settings.EngineSocket;
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        // Not followed: the path itself. Only a socket is ever removed (root must not delete a file or a
        // link's target that a wrong setting names: connecting to a regular file is refused, as a dead socket is).
        if (Native.StatxAt(Native.AtFdCwd, socket, Native.AtSymlinkNoFollow, 0x7ff, out var st) != 0) return (gid, false);
        if (st.Type != Native.SIfSock)
            throw new InvalidHostSettingsException([
                $"{HostSettings.Section}:Engine:Socket is '{socket}', which is there and is not a socket: the engine removes " +
                "only a socket an earlier engine left. Name a path under the engine's runtime directory (/run/snapupgrade/engine.sock)."]);
        if (Answers(socket))
            throw new InvalidHostSettingsException([
                $"Another engine answers on {socket}: stop it first (only one engine per socket)."]);
        File.Delete(socket);
        return (gid, true);
    }

    /// <summary>After the listener made the file: owner root (the engine's user), the group, mode 0660.</summary>
    public static void Secure(string socket, uint gid)
    {
        if (OperatingSystem.IsWindows()) return; // the engine runs on Linux; this keeps the analyzer honest
        if (Native.Chown(socket, uint.MaxValue, gid) != 0)
            throw new IOException($"chown of {socket} to group {gid} failed: errno {Native.LastErrno}");
        File.SetUnixFileMode(socket, Mode);
    }

    /// <summary>The gid of a group in /etc/group, or null when it has none.</summary>
    public static uint? GroupId(string name, string groupFile = "/etc/group")
    {
        foreach (var line in File.ReadLines(groupFile))
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name && uint.TryParse(fields[2], out var gid)) return gid;
        }
        return null;
    }

    private static bool Answers(string socket)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused)
        {
            return false;
        }
    }
}
