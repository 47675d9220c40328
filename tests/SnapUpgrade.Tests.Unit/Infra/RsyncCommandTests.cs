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

    [Fact]
    public void CopyAndVerify_WithoutOverlayMarks_FilterOverlayXattrsOnlyWhereXattrsAreCopied()
    {
        Assert.Equal(["rsync", "-aHSx", "-X", "--numeric-ids", "--filter=-x trusted.overlay.*", "--filter=-x user.overlay.*", "/up/", "/dst/"],
            RsyncCommand.Copy("/up", "/dst", null, acls: false, xattrs: true, withoutOverlayMarks: true));
        Assert.Equal(["rsync", "-aHSx", "-X", "--numeric-ids", "--filter=-x trusted.overlay.*", "--filter=-x user.overlay.*",
                "--checksum", "--dry-run", "--itemize-changes", "--delete", "/up/", "/dst/"],
            RsyncCommand.Verify("/up", "/dst", null, acls: false, xattrs: true, withoutOverlayMarks: true));
        Assert.Equal(["rsync", "-aHSx", "--numeric-ids", "/up/", "/dst/"],
            RsyncCommand.Copy("/up", "/dst", null, acls: false, xattrs: false, withoutOverlayMarks: true));
    }
}
