using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Components.Pages.Admin;
using Xunit;

namespace SnapUpgrade.Tests.Component.Admin;

public sealed class AdminPageTests : BunitContext
{
    private readonly FakeAuditLog _audit = new();
    private readonly FakeAccounts _accounts = new();
    private readonly FakeTokens _tokens = new();
    private readonly BunitAuthorizationContext _auth;
    private IRenderedComponent<MudDialogProvider>? _dialogs;

    public AdminPageTests()
    {
        BunitAuthorizationContext? auth = null;
        this.AddTestServices(new FakeEngine(), c =>
        {
            auth = c.AddAuthorization();
            c.Services.AddSingleton<IAuditLog>(_audit);
            c.Services.AddSingleton<IAccounts>(_accounts);
            c.Services.AddSingleton<ITokens>(_tokens);
            c.Services.AddSingleton(TimeProvider.System);
        });
        _auth = auth!;
        _accounts.Users.Add(new UserAccount { Name = "admin", Role = Role.Admin });
        _accounts.Users.Add(new UserAccount { Name = "olga", Role = Role.Operator });
    }

    private IRenderedComponent<AdminPage> RenderAs(string name, string role)
    {
        _auth.SetAuthorized(name);
        _auth.SetRoles(role);
        Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
        return Render<AdminPage>();
    }

    [Theory]
    [InlineData("olga", "operator")]
    [InlineData("audrey", "auditor")]
    public void AdminPage_NotAnAdmin_IsForbiddenAndShowsNoPanel(string name, string role)
    {
        var cut = RenderAs(name, role);

        cut.WaitForAssertion(() => Assert.Contains($"signed in as {role}", cut.Find("[data-testid=admin-forbidden]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=users-panel]"));
        Assert.Empty(cut.FindAll("[data-testid=tokens-panel]"));
    }

    [Fact]
    public void AdminPage_Admin_ListsUsersAndSaysThereAreNoTokens()
    {
        var cut = RenderAs("admin", "admin");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-olga]")));
        Assert.NotEmpty(cut.FindAll("[data-testid=user-admin]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=tokens-empty]"));
        Assert.True(cut.Find("[data-testid=user-remove-admin]").HasAttribute("disabled"));
        Assert.Contains("signed in with", cut.Find("[data-testid=user-remove-admin]").GetAttribute("title"));
    }

    [Fact]
    public void AdminPage_UsersCannotBeRead_ShowsTheError()
    {
        _accounts.ListFailure = new IOException("disk I/O error");

        var cut = RenderAs("admin", "admin");

        cut.WaitForAssertion(() => Assert.Contains("disk I/O error", cut.Find("[data-testid=users-error]").TextContent));
    }

    [Fact]
    public void CreateToken_Admin_ShowsTheSecretOnceAndAuditsIt()
    {
        var cut = RenderAs("admin", "admin");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=tokens-empty]")));

        cut.Find("input[data-testid=token-new-name]").Input("ci");
        cut.Find("[data-testid=token-create]").Click();

        cut.WaitForAssertion(() => Assert.Equal("su_secret_1", Find("[data-testid=token-secret]").TextContent));
        Assert.Contains("only this once", Find("[data-testid=token-secret-warning]").TextContent);
        var row = Assert.Single(_audit.Rows);
        Assert.Equal(("admin", "admin", "token-create", "ci", "succeeded"), (row.Actor, row.Role, row.Action, row.Target, row.Outcome));

        Find("[data-testid=token-secret-close]").Click();

        WaitForAssertion(() => Assert.DoesNotContain("su_secret_1", Markup()));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=token-ci]")));
        Assert.Equal(1, _tokens.SecretsMade);
    }

    [Fact]
    public void AddUser_GeneratedPassword_ShowsItAndAudits()
    {
        var cut = RenderAs("admin", "admin");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-olga]")));

        cut.Find("input[data-testid=user-new-name]").Input("pia");
        cut.Find("[data-testid=user-add]").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-pia]")));
        Assert.Equal(_accounts.Passwords["pia"], cut.Find("[data-testid=user-password]").TextContent);
        Assert.Equal(20, _accounts.Passwords["pia"].Length);
        var row = Assert.Single(_audit.Rows);
        Assert.Equal(("user-add", "pia", "succeeded"), (row.Action, row.Target, row.Outcome));
    }

    [Fact]
    public void AddUser_NameTaken_ShowsTheRefusalAndAuditsIt()
    {
        var cut = RenderAs("admin", "admin");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-olga]")));

        cut.Find("input[data-testid=user-new-name]").Input("olga");
        cut.Find("[data-testid=user-add]").Click();

        cut.WaitForAssertion(() => Assert.Contains("taken", cut.Find("[data-testid=users-error]").TextContent));
        Assert.Equal(("user-add", "refused"), (_audit.Rows[^1].Action, _audit.Rows[^1].Outcome));
    }

    [Fact]
    public void RevokeToken_Admin_MarksItRevokedAndAudits()
    {
        _tokens.Tokens.Add(new ApiToken { Name = "ci", Role = Role.Auditor });
        var cut = RenderAs("admin", "admin");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=token-ci]")));

        cut.Find("[data-testid=token-revoke-ci]").Click();

        cut.WaitForAssertion(() => Assert.NotEqual("-", cut.Find("[data-testid=token-revoked-ci]").TextContent));
        Assert.True(cut.Find("[data-testid=token-revoke-ci]").HasAttribute("disabled"));
        Assert.Equal(("token-revoke", "ci", "succeeded"), (_audit.Rows[^1].Action, _audit.Rows[^1].Target, _audit.Rows[^1].Outcome));
    }

    [Fact]
    public void AdminPage_SignInStillResolving_ShowsLoadingAndNeitherPanelNorRefusal()
    {
        _auth.SetAuthorizing();
        Render<MudPopoverProvider>();

        var cut = Render<AdminPage>();

        Assert.NotNull(cut.Find(".mud-progress-linear[aria-label=Loading]"));
        Assert.Empty(cut.FindAll("[data-testid=admin-forbidden]"));
        Assert.Empty(cut.FindAll("[data-testid=users-panel]"));
    }

    [Fact]
    public void AdminPage_UsersBeingRead_ShowsNeitherRowsNorAFalseEmptyUntilTheyArrive()
    {
        _accounts.ListGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var cut = RenderAs("admin", "admin");

        // While the read is pending the panel is there, but says nothing about the users yet: no rows, no "No users.", no error.
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=users-panel]")));
        Assert.Empty(cut.FindAll("[data-testid^=user-remove-]"));
        Assert.Empty(cut.FindAll("[data-testid=users-empty]"));
        Assert.Empty(cut.FindAll("[data-testid=users-error]"));

        _accounts.ListGate.SetResult();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-olga]")));
        Assert.Empty(cut.FindAll("[data-testid=users-empty]"));
    }

    [Fact]
    public void AdminPage_TokensCannotBeRead_ShowsTheErrorAndStillListsUsers()
    {
        _tokens.ListFailure = new IOException("database is locked");

        var cut = RenderAs("admin", "admin");

        cut.WaitForAssertion(() => Assert.Contains("database is locked", cut.Find("[data-testid=tokens-error]").TextContent));
        Assert.NotEmpty(cut.FindAll("[data-testid=user-olga]"));
        Assert.Empty(cut.FindAll("[data-testid=users-error]"));
    }

    [Fact]
    public void AdminPage_SignedInWithoutARole_IsRefusedAndToldItHasNoRole()
    {
        _auth.SetAuthorized("nobody");
        Render<MudPopoverProvider>();

        var cut = Render<AdminPage>();

        cut.WaitForAssertion(() => Assert.Contains("your sign-in carries no role", cut.Find("[data-testid=admin-forbidden]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=users-panel]"));
        Assert.Empty(cut.FindAll("input"));
    }

    // The dialog renders in the provider, outside the page's own markup.
    private AngleSharp.Dom.IElement Find(string selector) =>
        _dialogs!.Find(selector);

    private string Markup() => _dialogs!.Markup;

    private void WaitForAssertion(Action assertion) =>
        _dialogs!.WaitForAssertion(assertion);
}
