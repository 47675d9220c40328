using System.Text;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>The texts the console writes for boot loaders, and the grubenv adapter on a real grub-editenv.</summary>
public sealed class BootLoaderStepsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("snapupgrade-grubenv-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void WithDefault_RewritesOnlyTheDefaultLine_KeepingEveryOtherByte()
    {
        var conf = Encoding.Latin1.GetBytes("timeout 3\r\n#default old.conf\n  default\told.conf\r\nconsole-mode \xe9\n");

        var written = Encoding.Latin1.GetString(BootLoaderSteps.WithDefault(conf, "snapupgrade-be2.conf"));

        Assert.Equal("timeout 3\r\n#default old.conf\ndefault snapupgrade-be2.conf\r\nconsole-mode \xe9\n", written);
        Assert.Equal("snapupgrade-be2.conf", BootLoaderSteps.DefaultOf(Encoding.Latin1.GetBytes(written)));
    }

    [Fact]
    public void WithDefault_NoDefaultLineOrNoFile_AppendsOne()
    {
        Assert.Equal("timeout 3\ndefault x.conf\n", Encoding.Latin1.GetString(BootLoaderSteps.WithDefault("timeout 3"u8.ToArray(), "x.conf")));
        Assert.Equal("default x.conf\n", Encoding.Latin1.GetString(BootLoaderSteps.WithDefault(null, "x.conf")));
    }

    [Theory]
    [InlineData(BootLoaderKind.Grub, "snapupgrade-be2", "be2")]
    [InlineData(BootLoaderKind.SystemdBoot, "snapupgrade-be2.conf", "be2")]
    [InlineData(BootLoaderKind.SystemdBoot, "snapupgrade-be2", null)]
    [InlineData(BootLoaderKind.Grub, "gnulinux-simple-1234", null)]
    [InlineData(BootLoaderKind.Grub, "snapupgrade-../x", null)]
    public void BeOfEntry_OnlyTheConsolesEntriesNameABe(BootLoaderKind kind, string id, string? be) =>
        Assert.Equal(be, BootLoaderSteps.BeOfEntry(kind, id));

    [Fact]
    public async Task GrubEnvironment_SetAndUnset_AsGrubEditenvListsThem()
    {
        var path = Path.Join(_dir.FullName, "grubenv");
        var env = new GrubEnvironment(path, new ProcessRunner());

        Assert.Null(await env.GetAsync("saved_entry"));
        await env.SetAsync("saved_entry", "snapupgrade-be1");
        await env.SetAsync("next_entry", "snapupgrade-be2");
        await env.SetAsync("next_entry", null);

        Assert.Equal("snapupgrade-be1", await env.GetAsync("saved_entry"));
        Assert.Null(await env.GetAsync("next_entry"));
        Assert.Equal(["grub-editenv", path, "unset", "next_entry"], env.DescribeSet("next_entry", null));
        Assert.Equal(1024, new FileInfo(path).Length); // GRUB's fixed-size environment block, written by its tool
    }
}
