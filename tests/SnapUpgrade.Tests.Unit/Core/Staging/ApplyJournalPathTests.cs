using SnapUpgrade.Core.Staging;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core.Staging;

/// <summary>The apply's journal is kept beside the staged tree it is about, never inside it (a package may write any name there).</summary>
public sealed class ApplyJournalPathTests
{
    [Theory]
    [InlineData("/var/.snapupgrade/staged/log", "/var/.snapupgrade/staged/.applied-log")]
    [InlineData("/mnt/be2/var/.snapupgrade/staged/spool/", "/mnt/be2/var/.snapupgrade/staged/.applied-spool")]
    [InlineData("/staged", "/.applied-staged")]
    public void JournalBeside_IsInTheTreesParent_NamedForTheTree(string upper, string journal)
    {
        Assert.Equal(journal, StagedApply.JournalBeside(upper));
        Assert.False(journal.StartsWith(upper.TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("log")]
    [InlineData("")]
    public void JournalBeside_ATreeWithoutAParent_IsRefused(string upper)
    {
        Assert.Throws<ArgumentException>(() => StagedApply.JournalBeside(upper));
    }
}
