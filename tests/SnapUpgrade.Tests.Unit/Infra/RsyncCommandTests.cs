using SnapUpgrade.Infra.Host;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class RsyncCommandTests
{
    [Fact]
    public void Copy_WithAclsAndXattrs_KeepsEverythingOnOneFileSystemContentIntoTarget()
    {
        Assert.Equal(["rsync", "-aHSx", "-A", "-X", "--numeric-ids", "/src/", "/dst/"],
            RsyncCommand.Copy("/src", "/dst", null, acls: true, xattrs: true));
    }

    [Fact]
    public void Verify_CompareWith_IsAChecksumDryRunThatItemizesAndReportsExtras()
    {
        Assert.Equal(["rsync", "-aHSx", "--numeric-ids", "--checksum", "--dry-run", "--itemize-changes", "--delete",
                "--checksum", "--prune-empty-dirs", "--compare-dest=/old", "/new/", "/delta/"],
            RsyncCommand.Verify("/new/", "/delta", "/old", acls: false, xattrs: false));
    }
}
