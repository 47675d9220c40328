using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class NodeReadsTests
{
    private static readonly NodeMeta Meta = new(FileNode.DefaultMode, 5, 6, 42);

    [Fact]
    public void Read_AFile_GivesACopyTheCallerMayChange()
    {
        var file = new FileNode([1, 2], Meta);

        var bytes = NodeReads.Read(file, "/f");
        bytes[0] = 9;

        Assert.Equal([1, 2], file.Content);
    }

    [Fact]
    public void Reads_OfTheWrongKind_ThrowWhatDotNetThrowsOnLinux()
    {
        var dir = DirNode.New(Meta);
        var fifo = new SpecialNode(Meta);

        Assert.Throws<UnauthorizedAccessException>(() => NodeReads.Read(dir, "/d"));
        Assert.Throws<FileNotFoundException>(() => NodeReads.Read(null, "/missing"));
        Assert.Throws<IOException>(() => NodeReads.Read(fifo, "/p"));
        Assert.Throws<DirectoryNotFoundException>(() => NodeReads.List(null, "/missing"));
        Assert.Throws<IOException>(() => NodeReads.List(fifo, "/p"));
        Assert.Throws<IOException>(() => NodeReads.ReadLink(dir, "/d"));
        Assert.Equal(FileKind.Other, NodeReads.KindOf(fifo));
        Assert.Equal(FileKind.Missing, NodeReads.KindOf(null));
    }

    [Fact]
    public void Stat_ADirectoryWithASubdirectory_CountsEntriesAndLinksAsZfsDoes()
    {
        var dir = DirNode.New(Meta).With("sub", DirNode.New(Meta)).With("f", new FileNode([1], Meta));

        var status = NodeReads.Stat(dir, device: 7);

        Assert.Equal(new FileStatus(FileKind.Directory, FileNode.DefaultMode, 5, 6, Size: 4, Device: 7, Inode: 42, Links: 3), status);
        Assert.Equal(3, NodeReads.Stat(new LinkNode("abc", Meta), 0).Size);
    }
}
