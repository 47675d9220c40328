using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Simulation;

namespace SnapUpgrade.Tests.Support;

/// <summary><see cref="IProcessFiles"/> over the simulator's own process view.</summary>
internal sealed class SimulatedProcessFiles(SimulatedProcess process) : IProcessFiles
{
    public FileKind GetKind(string path) => process.GetKind(path);
    public string ReadLink(string path) => process.ReadLink(path);
    public IReadOnlyList<string> List(string directory) => process.List(directory);
    public byte[] ReadAllBytes(string path) => process.ReadAllBytes(path);
    public void WriteAllBytes(string path, byte[] content) => process.WriteAllBytes(path, content);
    public void AppendAllBytes(string path, byte[] content) => process.AppendAllBytes(path, content);
    public void CreateDirectory(string path) => process.CreateDirectory(path);
    public void SetOwner(string path, int uid, int gid) => process.SetOwner(path, uid, gid);
    public void SetMode(string path, UnixFileMode mode) => process.SetMode(path, mode);
    public void CreateFifo(string path) => process.CreateFifo(path);
    public void MakeNode(string path, SpecialFile special) => process.MakeNode(path, special);
    public void SetXattr(string path, string name, byte[] value) => process.SetXattr(path, name, value);
}
