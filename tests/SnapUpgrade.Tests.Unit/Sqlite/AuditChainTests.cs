using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class AuditChainTests
{
    static readonly AuditEntry Entry = new()
    {
        Id = 42, Time = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_123), Actor = "ci", Role = "operator",
        Source = "10.0.0.7", Action = "activate", Target = "be2", FromBe = "be1", ToBe = "be2", DryRun = true,
        Outcome = "failed", ErrorCode = null, Message = "zfs promote: dataset is busy ✓", DurationMs = 1234,
        PreviousHash = AuditChain.Genesis,
    };

    /// <summary>Rows already written carry hashes of this encoding: a change to it would break every existing chain.
    /// The expected value was also computed by an independent Python script from the encoding in AuditChain's comments.</summary>
    [Fact]
    public void Hash_OfAFixedRow_NeverChanges() =>
        Assert.Equal("d59ffeed3cce9d3059c3e64f52ef8d713530f0ea019dd47c7287c2cb84577935", AuditChain.Hash(Entry));

    [Fact]
    public void Hash_NullAndEmptyAndShiftedFields_AllDiffer()
    {
        var hashes = new[]
        {
            AuditChain.Hash(Entry),
            AuditChain.Hash(Entry with { ErrorCode = "" }),
            AuditChain.Hash(Entry with { Target = "be", FromBe = "2be1" }), // same concatenation, other split
            AuditChain.Hash(Entry with { DryRun = false }),
            AuditChain.Hash(Entry with { Id = 43 }),
            AuditChain.Hash(Entry with { PreviousHash = new string('1', 64) }),
            AuditChain.Hash(Entry with { Time = Entry.Time.AddMilliseconds(1) }),
        };

        Assert.Equal(hashes.Length, hashes.Distinct().Count());
    }

    [Fact]
    public void Hash_IgnoresTheStoredHashItself() =>
        Assert.Equal(AuditChain.Hash(Entry), AuditChain.Hash(Entry with { Hash = "anything" }));
}
