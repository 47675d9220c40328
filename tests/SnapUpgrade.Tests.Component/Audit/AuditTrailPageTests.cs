using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Components.Pages.Audit;
using Xunit;

namespace SnapUpgrade.Tests.Component.Audit;

public sealed class AuditTrailPageTests : BunitContext
{
    private readonly FakeAuditLog _audit = new();

    public AuditTrailPageTests() => this.AddTestServices(new FakeEngine(), c => c.Services.AddSingleton<IAuditLog>(_audit));

    private IRenderedComponent<AuditTrailPage> RenderPage()
    {
        Render<MudPopoverProvider>();
        return Render<AuditTrailPage>();
    }

    private Task AddActivationAsync(string to) => _audit.AppendAsync(new AuditRecord
    {
        Actor = "olga", Role = "operator", Source = "127.0.0.1", Action = "activate", Target = to, FromBe = "be1", ToBe = to,
        Outcome = "succeeded", DurationMs = 42,
    });

    [Fact]
    public void AuditTrailPage_NoRows_SaysNoneMatch()
    {
        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=audit-empty]")));
        Assert.Equal("api/v1/audit.csv", cut.Find("[data-testid=audit-export]").GetAttribute("href"));
    }

    [Fact]
    public async Task AuditTrailPage_WithRows_ShowsNewestFirstAndEveryFieldInTheDetails()
    {
        await AddActivationAsync("be2");
        await AddActivationAsync("be3");

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=audit-action]").Count));
        Assert.Equal(["be3 (be1 → be3)", "be2 (be1 → be2)"], cut.FindAll("[data-testid=audit-target]").Select(t => t.TextContent.Trim()));
        Assert.Equal(1, _audit.Queries[^1].Page);

        cut.Find("[data-testid=audit-details-2]").Click();

        cut.WaitForAssertion(() => Assert.Equal("hash-0002", cut.Find("[data-testid=detail-hash]").TextContent));
        Assert.Equal("hash-0001", cut.Find("[data-testid=detail-previous-hash]").TextContent);
        Assert.Equal("127.0.0.1", cut.Find("[data-testid=detail-source]").TextContent);
        Assert.Equal("42 ms", cut.Find("[data-testid=detail-duration]").TextContent);
    }

    [Fact]
    public async Task AuditTrailPage_RowWrittenElsewhere_AppearsOnRefresh()
    {
        await AddActivationAsync("be2");
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=audit-action]")));

        await AddActivationAsync("be3"); // another browser, or the API
        cut.Find("[data-testid=audit-refresh]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=audit-action]").Count));
        Assert.StartsWith("be3", cut.FindAll("[data-testid=audit-target]")[0].TextContent.Trim());
    }

    [Fact]
    public async Task AuditTrailPage_QueryPending_ShowsLoadingThenTheRows()
    {
        await AddActivationAsync("be2");
        _audit.QueryGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=audit-table] .mud-table-loading-progress")));
        Assert.Empty(cut.FindAll("[data-testid=audit-action]"));
        Assert.Empty(cut.FindAll("[data-testid=audit-empty]"));
        Assert.Empty(cut.FindAll("[data-testid=load-error]"));

        _audit.QueryGate.SetResult();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=audit-action]")));
        Assert.Empty(cut.FindAll("[data-testid=audit-table] .mud-table-loading-progress"));
    }

    [Fact]
    public void AuditTrailPage_QueryFails_ShowsTheErrorNotACrash()
    {
        _audit.QueryFailure = new IOException("database is locked");

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("database is locked", cut.Find("[data-testid=load-error]").TextContent));
    }

    [Fact]
    public void AuditTrailPage_VerifyIntact_ShowsRowsChecked()
    {
        _audit.Verification = new ChainVerification(true, 17, null, "intact");
        var cut = RenderPage();

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Contains("intact: 17 rows checked", cut.Find("[data-testid=audit-verify-result]").TextContent));
    }

    [Fact]
    public void AuditTrailPage_VerifyBroken_NamesTheFirstBadRow()
    {
        _audit.Verification = new ChainVerification(false, 9, 7, "row 7's hash does not match its content");
        var cut = RenderPage();

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Equal("7", cut.Find("[data-testid=audit-first-bad]").TextContent));
        Assert.Contains("does not match", cut.Find("[data-testid=audit-verify-result]").TextContent);
    }

    [Fact]
    public void AuditTrailPage_VerifyAnotherDatabase_SaysSoWithoutARowNumber()
    {
        _audit.Verification = new ChainVerification(false, 3, null, "The pool's anchor names another audit database (ab12, row 9, hash 99).");
        var cut = RenderPage();

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Contains("does not verify: The pool's anchor names another audit database",
            cut.Find("[data-testid=audit-verify-result]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=audit-first-bad]"));
    }

    [Fact]
    public void AuditFilters_Set_GoIntoTheQueryAndTheCsvLink()
    {
        var filters = new AuditFilters
        {
            FromDate = new DateTime(2026, 11, 1), ToDate = new DateTime(2026, 11, 2), Actor = " olga ", Target = "be 2", Outcome = "refused",
        };

        var query = filters.ToQuery(3, 25);

        Assert.Equal(new AuditQuery(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero).AddTicks(-1), "olga", null, "be 2", "refused", 3, 25), query);
        Assert.Equal("api/v1/audit.csv?from=2026-11-01T00%3A00%3A00.0000000%2B00%3A00&to=2026-11-02T23%3A59%3A59.9999999%2B00%3A00"
            + "&actor=olga&target=be%202&outcome=refused", filters.CsvHref());
    }
}
