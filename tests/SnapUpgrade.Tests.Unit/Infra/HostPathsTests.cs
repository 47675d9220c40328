using SnapUpgrade.Infra.Host;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class HostPathsTests
{
    [Theory]
    [InlineData("/srv/lab", "/", "/srv/lab")]
    [InlineData("/srv/lab/", "/var/shared", "/srv/lab/var/shared")]
    [InlineData("/srv/lab", "/a/../../../etc", "/srv/lab/etc")]
    [InlineData("/", "/var/shared", "/var/shared")]
    [InlineData("/", "/", "/")]
    public void ToLocal_HostPath_LandsUnderTheHostRoot(string root, string host, string local)
    {
        Assert.Equal(local, new HostPaths(root).ToLocal(host));
    }

    [Theory]
    [InlineData("/srv/lab", "/srv/lab", "/")]
    [InlineData("/srv/lab", "/srv/lab/a/var", "/a/var")]
    [InlineData("/srv/lab", "/srv/laboratory", null)]
    [InlineData("/srv/lab", "/etc", null)]
    [InlineData("/", "/etc", "/etc")]
    public void ToHost_LocalPath_IsTheHostPathOrNullOutside(string root, string local, string? host)
    {
        Assert.Equal(host, new HostPaths(root).ToHost(local));
    }

    [Fact]
    public void ToLocal_RelativePath_Throws()
    {
        Assert.Throws<ArgumentException>(() => new HostPaths("/srv/lab").ToLocal("var/shared"));
    }
}
