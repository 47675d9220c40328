using System.Reflection;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// <see cref="ZfsDataset.SameAs"/> compares field by field, so a property added to the record and not to the comparison
/// would be taken as no change behind the console's back. Every property is changed in turn here.
/// </summary>
public sealed class ZfsDatasetSameAsTests
{
    private static readonly ZfsDataset Full = new()
    {
        Name = "p/ROOT/a", Kind = DatasetKind.Filesystem, Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        Used = 10, Referenced = 20, Origin = "p/ROOT/b@s", MountPoint = "/", Mounted = true, CanMount = "noauto",
        Uuid = "u", ParentBe = "pb", Active = "on", Description = "d", Keep = "on", NextBoot = "n", Trial = "pending",
        Upgrade = "up", ConsoleMade = "on", CarryOver = "c", AuditHead = "h", ZbmCommandLine = "quiet", MadeBy = "zectl",
        NumClones = 2, Guid = "123", CreateTxg = 42,
    };

    private static readonly Dictionary<string, DatasetFields> Apart = new()
    {
        [nameof(ZfsDataset.Used)] = DatasetFields.Space, [nameof(ZfsDataset.Referenced)] = DatasetFields.Space,
        [nameof(ZfsDataset.Origin)] = DatasetFields.Origin, [nameof(ZfsDataset.NumClones)] = DatasetFields.NumClones,
        [nameof(ZfsDataset.AuditHead)] = DatasetFields.AuditHead,
    };

    public static TheoryData<string> Properties() =>
        [.. typeof(ZfsDataset).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Properties))]
    public void AChangedProperty_IsADifference_UnlessLeftOut(string property)
    {
        var changed = With(Full, property);

        Assert.NotEqual(Full, changed); // the record's own equality sees it
        Assert.False(Full.SameAs(changed, DatasetFields.None));
        Assert.False(changed.SameAs(Full, DatasetFields.None));
        var apart = Apart.GetValueOrDefault(property);
        var everythingElse = (DatasetFields.Space | DatasetFields.Origin | DatasetFields.NumClones | DatasetFields.AuditHead) & ~apart;
        Assert.Equal(apart != DatasetFields.None, Full.SameAs(changed, apart));
        Assert.False(Full.SameAs(changed, everythingElse)); // leaving out the others does not hide it
    }

    [Fact]
    public void EqualRecords_AreTheSame()
    {
        Assert.True(Full.SameAs(Full with { }, DatasetFields.None));
        Assert.True(Full.SameAs(Full with { Used = 1, Referenced = 2, Origin = null, NumClones = null, AuditHead = null },
            DatasetFields.Space | DatasetFields.Origin | DatasetFields.NumClones | DatasetFields.AuditHead));
    }

    /// <summary>A copy of <paramref name="d"/> with <paramref name="property"/> set to another value of its type.</summary>
    private static ZfsDataset With(ZfsDataset d, string property)
    {
        var copy = d with { };
        var p = typeof(ZfsDataset).GetProperty(property)!;
        object other = p.GetValue(d) switch
        {
            string s => s + "x",
            long n => n + 1,
            int n => n + 1,
            bool b => !b,
            DateTimeOffset t => t.AddSeconds(1),
            DatasetKind k => k == DatasetKind.Snapshot ? DatasetKind.Filesystem : DatasetKind.Snapshot,
            var v => throw new InvalidOperationException($"{property}: no other value made for {v?.GetType().Name ?? "null"}; add one"),
        };
        p.SetValue(copy, other);
        return copy;
    }
}
