using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>The resolver on its own, over tables set up by hand (the facade's rules are pinned in PathResolutionTests).</summary>
public sealed class PathResolverTests
{
    [Fact]
    public void Locate_ThroughABindOfADatasetDirectory_LandsInThatDatasetBelowTheBoundDirectory()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/shared");
        parts.MountAt("tank/shared", "/var/shared");
        parts.Mounts.Add(Bind("/mnt/mail", "tank/shared", ["mail"], readOnly: true));

        var at = parts.Paths.Locate(P("/mnt/mail/root/inbox"));

        Assert.Equal("tank/shared", at.Dataset);
        Assert.Equal(["mail", "root", "inbox"], at.Inner);
        Assert.True(at.ReadOnly);
        Assert.False(parts.Paths.Locate(P("/var/shared/x")).ReadOnly);
    }

    [Fact]
    public void Locate_DatasetWithReadonlyOn_IsReadOnlyThroughItsZfsMount()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/ro", ("readonly", "on"));
        parts.MountAt("tank/ro", "/ro");

        Assert.True(parts.Paths.Locate(P("/ro/f")).ReadOnly);
        Assert.Null(parts.Paths.Locate(P("/elsewhere")).Dataset);
    }

    [Fact]
    public void NodeAt_AMountPoint_ShowsTheMountedRootNotTheDirectoryUnderneath()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/a");
        parts.MountAt("tank/a", "/a");
        parts.Trees.Set("tank/a", P("/inside"), TextFile("x"));

        Assert.Equal(["inside"], ((DirNode)parts.Paths.NodeAt(P("/a"))!).Entries.Keys);
        Assert.Empty(((DirNode)parts.Trees.Get(null, P("/a"))!).Entries);
        Assert.Equal(parts.Datasets["tank/a"].Txg, parts.Paths.DeviceOf(P("/a/inside")));
        Assert.Equal(0, parts.Paths.DeviceOf(P("/")));
    }

    [Fact]
    public void ResolveNoFollow_LinkInTheMiddle_IsRefusedAndALastLinkOnlyWhenAllowed()
    {
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/real"));
        parts.Tree.AddNew(P("/link"), "/link", meta => new LinkNode("real", meta), LinkNode.LinkMode);

        Assert.Throws<UnsafePathException>(() => parts.Paths.ResolveNoFollow("/link/f", lastMayBeLink: true));
        Assert.Throws<UnsafePathException>(() => parts.Paths.ResolveNoFollow("/link", lastMayBeLink: false));
        Assert.Equal(["link"], parts.Paths.ResolveNoFollow("/link", lastMayBeLink: true));
        // ".." is lexical: the link is never looked at.
        Assert.Equal(["real", "missing", "f"], parts.Paths.ResolveNoFollow("/link/../real/./missing/f", lastMayBeLink: false));
    }

    [Fact]
    public void Resolve_RelativeAndAbsoluteLinks_AreFollowedFromTheLinkDirectoryAndFromTheRoot()
    {
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/var/shared/log"));
        parts.Tree.AddNew(P("/var/log"), "/var/log", meta => new LinkNode("shared/log", meta), LinkNode.LinkMode);
        parts.Tree.AddNew(P("/current"), "/current", meta => new LinkNode("/var/log", meta), LinkNode.LinkMode);

        Assert.Equal(["var", "shared", "log", "messages"], parts.Paths.Resolve("/current/messages", followLast: true));
        Assert.Equal(["current"], parts.Paths.Resolve("/current", followLast: false));
        Assert.Equal(["var", "shared", "log"], parts.Paths.Resolve("/current", followLast: true));
    }

    [Fact]
    public void Resolve_ALoopOfLinks_StopsWithTooManyLevels()
    {
        var parts = new SimParts();
        parts.Tree.AddNew(P("/a"), "/a", meta => new LinkNode("b", meta), LinkNode.LinkMode);
        parts.Tree.AddNew(P("/b"), "/b", meta => new LinkNode("/a", meta), LinkNode.LinkMode);

        var error = Assert.Throws<IOException>(() => parts.Paths.Resolve("/a/x", followLast: true));

        Assert.Contains("Too many levels of symbolic links", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("relative/path")]
    public void BothResolutions_ARelativePath_AreRefused(string path)
    {
        var parts = new SimParts();

        Assert.Throws<ArgumentException>(() => parts.Paths.Resolve(path, followLast: true));
        Assert.Throws<ArgumentException>(() => parts.Paths.ResolveNoFollow(path, lastMayBeLink: true));
    }
}
