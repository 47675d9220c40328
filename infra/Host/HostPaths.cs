using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// Maps host paths (what the console shows: "/", "/var/shared", "/a") to paths on this machine
/// under a host root ("/" on a real host, the pool's altroot in a lab), and back.
/// </summary>
public sealed class HostPaths
{
    public HostPaths(string hostRoot)
    {
        if (!Path.IsPathRooted(hostRoot)) throw new ArgumentException($"host root must be absolute: {hostRoot}", nameof(hostRoot));
        Root = hostRoot == "/" ? "/" : Path.GetFullPath(hostRoot).TrimEnd('/');
    }

    /// <summary>The host root as a local path, without a trailing slash (except "/").</summary>
    public string Root { get; }

    /// <summary>
    /// The local path of a host path. ".." is resolved lexically first, so a host path can never
    /// name something above the host root.
    /// </summary>
    public string ToLocal(string hostPath)
    {
        if (!hostPath.StartsWith('/')) throw new ArgumentException($"not an absolute host path: {hostPath}", nameof(hostPath));
        var normal = Path.GetFullPath(hostPath);
        if (normal.Length > 1) normal = normal.TrimEnd('/');
        return Layout.Under(Root, normal);
    }

    /// <summary>The host path of a local path, or null when it lies outside the host root.</summary>
    public string? ToHost(string localPath)
    {
        if (Root == "/") return localPath;
        if (localPath == Root) return "/";
        return localPath.StartsWith(Root + "/", StringComparison.Ordinal) ? localPath[Root.Length..] : null;
    }
}
