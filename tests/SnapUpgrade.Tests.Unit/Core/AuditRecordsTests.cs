using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>The one place audit rows are made: the stored words stay those of older rows, and a row names its actor whole.</summary>
public sealed class AuditRecordsTests
{
    [Fact]
    public void Text_IsTheWordOlderRowsHold()
    {
        Assert.Equal(["succeeded", "failed", "refused", "interrupted"], Enum.GetValues<Outcome>().Select(AuditRecords.Text));
    }

    [Fact]
    public void Parse_ReadsEveryStoredWordBack_AndNothingElse()
    {
        Assert.All(Enum.GetValues<Outcome>(), o => Assert.Equal(o, AuditRecords.Parse(AuditRecords.Text(o))));
        Assert.Equal<Outcome?[]>([null, null, null], [AuditRecords.Parse("done"), AuditRecords.Parse("Succeeded"), AuditRecords.Parse(null)]);
    }

    [Fact]
    public void For_NamesTheActorAndTakesTheErrorsCodeAndMessage()
    {
        var record = AuditRecords.For(new Actor("alice", Role.Operator, "10.0.0.7"), "activate", "be2", Outcome.Refused,
            new OperationError(ErrorCode.Busy, "Another operation is running."), durationMs: 12, dryRun: true);

        Assert.Equal(("alice", "operator", "10.0.0.7", "activate", "be2"), (record.Actor, record.Role, record.Source, record.Action, record.Target));
        Assert.Equal(("refused", "Busy", "Another operation is running.", 12L, true),
            (record.Outcome, record.ErrorCode, record.Message, record.DurationMs, record.DryRun));
    }

    [Fact]
    public void For_AGivenMessageWinsOverTheErrors()
    {
        var record = AuditRecords.For(Actor.System, "carry-over", "be2", Outcome.Failed,
            new OperationError(ErrorCode.OperationFailed, "short"), message: "the whole report");

        Assert.Equal(("system", "admin", null, "OperationFailed", "the whole report"),
            (record.Actor, record.Role, record.Source, record.ErrorCode, record.Message));
    }
}
