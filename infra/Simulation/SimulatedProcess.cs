using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// What a process running as root on the simulated host sees: paths resolved like the kernel
/// resolves them for open(2), following symbolic links in every component (relative ones from the
/// link's directory, absolute ones from the host root, ELOOP after 40). <b>For tests and the demo
/// only</b> (a package tool writing through /var/log, an admin's chown); the engine uses the
/// no-follow <see cref="IHostFiles"/> port. Get one with <see cref="SimulatedZfs.AsProcess"/>.
/// </summary>
public sealed class SimulatedProcess
{
    private readonly SimulatedZfs _host;

    internal SimulatedProcess(SimulatedZfs host) => _host = host;

    /// <summary>lstat: links before the last component are followed, the last is reported as it is.</summary>
    public FileKind GetKind(string path) => _host.ProcessGetKind(path);

    public string ReadLink(string path) => _host.ProcessReadLink(path);

    public IReadOnlyList<string> List(string directory) => _host.ProcessList(directory);

    public byte[] ReadAllBytes(string path) => _host.ProcessReadAllBytes(path);

    public void WriteAllBytes(string path, byte[] content) => _host.ProcessWrite(path, content, append: false);

    public void AppendAllBytes(string path, byte[] content) => _host.ProcessWrite(path, content, append: true);

    /// <summary>mkdir -p through links; made directories are root's, 0755.</summary>
    public void CreateDirectory(string path) => _host.ProcessCreateDirectory(path);

    /// <summary>lchown(2): the last component itself, a link included.</summary>
    public void SetOwner(string path, int uid, int gid) => _host.ProcessSetOwner(path, uid, gid);

    /// <summary>chmod(2): follows a link in the last component; <paramref name="mode"/> may carry setuid, setgid, sticky.</summary>
    public void SetMode(string path, UnixFileMode mode) => _host.ProcessSetMode(path, mode);

    /// <summary>mkfifo(3) with mode 0644: something that is neither file, directory nor link.</summary>
    public void CreateFifo(string path) => _host.ProcessCreateFifo(path);

    /// <summary>mknod: a FIFO, socket or device (a whiteout is a character device 0/0), mode 0644.</summary>
    public void MakeNode(string path, SpecialFile special) => _host.ProcessMakeNode(path, special);

    /// <summary>lsetxattr: of the last component itself.</summary>
    public void SetXattr(string path, string name, byte[] value) => _host.ProcessSetXattr(path, name, value);
}
