using System.Net.Sockets;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Host;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The engine's socket file on disk: a stale one (left by an engine that was killed) is removed before
/// the engine listens, but only when nothing answers on it; once listening it becomes root's, mode 0660,
/// group <see cref="HostSettings.EngineGroup"/>, so only root and that group's members can connect.
/// Root changes that file by its path, so the path must be one nobody else can change: every directory
/// on it is a real directory (no link), owned by root or the engine's user, and writable by no one else
/// (an ancestor with the sticky bit, like /tmp, excepted); otherwise the engine does not start.
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
        var directory = Path.GetDirectoryName(socket)!;
        // A missing directory is made only below a checked one: root's mkdir never goes through someone's link.
        var existing = directory;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        if (existing != directory && UnsafeDirectory(existing, Native.Geteuid(), stickyLast: true) is null && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory, DirectoryMode);
        if (UnsafeDirectory(directory, Native.Geteuid()) is { } why)
            throw new InvalidHostSettingsException([
                $"{HostSettings.Section}:Engine:Socket is '{socket}', but {why}: someone else could put a link where the socket " +
                "goes and have root change the file it points at. Name a directory only root can change (the default, " +
                "/run/snapupgrade, from the engine unit's RuntimeDirectory)."]);
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

    /// <summary>
    /// After the listener made the file: the group, mode 0660. <see cref="Prepare"/> made sure nobody else
    /// can change the directory; the file is still looked at without following a link, and changed only
    /// while it is the engine's own socket.
    /// </summary>
    public static void Secure(string socket, uint gid)
    {
        if (OperatingSystem.IsWindows()) return; // the engine runs on Linux; this keeps the analyzer honest
        if (Native.StatxAt(Native.AtFdCwd, socket, Native.AtSymlinkNoFollow, 0x7ff, out var st) != 0
            || st.Type != Native.SIfSock || st.Uid != Native.Geteuid())
            throw new IOException($"{socket} is not the engine's socket any more (a link or another file is there): not changed");
        if (Native.Lchown(socket, uint.MaxValue, gid) != 0)
            throw new IOException($"chgrp of {socket} to group {gid} failed: errno {Native.LastErrno}");
        File.SetUnixFileMode(socket, Mode);
    }

    /// <summary>0755, as the engine unit's RuntimeDirectory: the socket's own mode (0660) says who may connect.</summary>
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// Why <paramref name="directory"/> is not one only root (or <paramref name="owner"/>) can change, or null
    /// when it is: each directory from / down to it, looked at without following links. <paramref name="stickyLast"/>:
    /// it may itself be writable by others with the sticky bit (a place to make a directory in, like /tmp).
    /// </summary>
    public static string? UnsafeDirectory(string directory, uint owner, bool stickyLast = false)
    {
        if (!Path.IsPathFullyQualified(directory)) return $"{directory} is not an absolute path";
        var path = "/";
        var names = directory.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = -1; i < names.Length; i++)
        {
            if (i >= 0) path = Path.Join(path, names[i]);
            if (Native.StatxAt(Native.AtFdCwd, path, Native.AtSymlinkNoFollow, 0x7ff, out var st) != 0)
                return $"{path} cannot be looked at (errno {Native.LastErrno})";
            if (st.Type == Native.SIfLnk) return $"{path} is a symbolic link";
            if (st.Type != Native.SIfDir) return $"{path} is not a directory";
            if (st.Uid != 0 && st.Uid != owner) return $"{path} belongs to uid {st.Uid}";
            var othersWrite = (st.Mode & 0x12) != 0; // group or others may write (octal 022)
            var sticky = (st.Mode & 0x200) != 0; // octal 01000: only an entry's owner may remove or rename it
            if (othersWrite && (!sticky || (i == names.Length - 1 && !stickyLast)))
                return $"{path} is writable by {((st.Mode & 0x2) != 0 ? "everyone" : "its group")}";
        }
        return null;
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
