using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// One throwaway host for a test: a pool of its own and the ports over it. Disposing it removes
/// everything it made. Paths given to the ports are host paths ("/", "/var/shared", "/a").
/// </summary>
public interface ITestHost : IAsyncDisposable
{
    /// <summary>"simulated", "zfs-fuse" or "openzfs": shows in failure messages which backend a test ran on.</summary>
    string Name { get; }

    string Pool { get; }

    /// <summary>The host path of "/" for this host: "/" simulated, the pool's altroot in a zfs-fuse lab.</summary>
    string HostRoot { get; }

    IZfs Zfs { get; }

    IMounts Mounts { get; }

    /// <summary>The engine's port: never follows a link.</summary>
    IHostFiles Files { get; }

    /// <summary>What a process on the host sees, links followed: for setting tests up and looking at results.</summary>
    IProcessFiles Process { get; }

    /// <summary>
    /// A second pool of its own on the same host root (zsys' boot pool, bpool, mounts /boot of the booted
    /// BE): a unique name, destroyed with the host, before the first pool.
    /// </summary>
    Task<string> AddPoolAsync();
}
