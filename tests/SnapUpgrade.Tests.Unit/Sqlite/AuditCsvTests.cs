using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class AuditCsvTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Cell_QuotesAndNeutralisesFormulas(string? text, string expected) =>
        Assert.Equal(expected, AuditCsv.Cell(text));

    [Fact]
    public async Task Write_HeaderThenOneCrlfLinePerEntry()
    {
        var entries = new[]
        {
            new AuditEntry
            {
                Id = 2, Time = new DateTimeOffset(2026, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2)), Actor = "ci",
                Role = "operator", Action = "activate", ToBe = "be2", DryRun = true, Outcome = "refused",
                Message = "busy, try again", DurationMs = 15, PreviousHash = "p", Hash = "h",
            },
            new AuditEntry { Id = 1, Actor = "=cmd", Role = "admin", Action = "create", Outcome = "succeeded" },
        };
        var writer = new StringWriter();

        await AuditCsv.WriteAsync(entries.ToAsyncEnumerable(), writer, Ct);

        var lines = writer.ToString().Split("\r\n");
        Assert.Equal(4, lines.Length); // header, two rows, and the empty rest after the final CRLF
        Assert.Equal(AuditCsv.Header, lines[0]);
        Assert.Equal("2,2026-05-06T05:08:09.123Z,ci,operator,,activate,,,be2,true,refused,,\"busy, try again\",15,p,h", lines[1]);
        Assert.StartsWith("1,", lines[2], StringComparison.Ordinal);
        Assert.Contains(",'=cmd,", lines[2], StringComparison.Ordinal);
        Assert.Equal("", lines[3]);
    }
}
