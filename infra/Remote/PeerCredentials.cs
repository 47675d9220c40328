using System.Net.Sockets;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// Who is on the other end of a Unix socket (SO_PEERCRED: the kernel's word, not the client's), and
/// whether that peer may use the engine: root, or a process whose group or supplementary groups
/// (/proc/&lt;pid&gt;/status <c>Groups:</c>) include the socket's group.
/// </summary>
public sealed record PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>The peer of a connected Unix socket; null for any other kind of socket.</summary>
    public static PeerCredentials? Of(Socket socket)
    {
        if (socket.AddressFamily != AddressFamily.Unix) return null;
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        var ucred = new byte[12];
        if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != ucred.Length) return null;
        return new(BitConverter.ToInt32(ucred, 0), BitConverter.ToUInt32(ucred, 4), BitConverter.ToUInt32(ucred, 8));
    }

    /// <summary>True for root, or when the peer's group or any supplementary group is <paramref name="group"/>.</summary>
    public bool MayUse(uint group, string procRoot = "/proc") =>
        Uid == 0 || Gid == group || SupplementaryGroups(procRoot).Contains(group);

    /// <summary>The peer process's supplementary groups; none when it is gone (then it is refused unless root or its gid fits).</summary>
    public IReadOnlyList<uint> SupplementaryGroups(string procRoot = "/proc")
    {
        try
        {
            var line = File.ReadLines(Path.Combine(procRoot, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "status"))
                .FirstOrDefault(l => l.StartsWith("Groups:", StringComparison.Ordinal));
            return line is null
                ? []
                : [.. line["Groups:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
