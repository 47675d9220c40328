using Bunit;
using MudBlazor;
using SnapUpgrade.Web.Components.Common;
using Xunit;

namespace SnapUpgrade.Tests.Component.Common;

/// <summary>
/// The one disabled-with-reason button, as a row's icon action and as a text button: enabled it says what
/// it does; disabled it says why, in its title and in a focusable wrapper a screen reader names.
/// </summary>
public sealed class GuardedButtonTests : ComponentTest
{
    private const string Reason = "Operators cannot destroy boot environments.";

    private IRenderedComponent<GuardedButton> RenderButton(string? text, string? reason, bool busy = false) =>
        Render<GuardedButton>(p => p
            .Add(b => b.Text, text).Add(b => b.Label, "Destroy be1").Add(b => b.Icon, Icons.Material.Filled.Delete)
            .Add(b => b.TestId, "destroy").Add(b => b.Reason, reason).Add(b => b.Busy, busy));

    [Fact]
    public void IconButton_Enabled_IsNamedByItsLabel()
    {
        var button = RenderButton(text: null, reason: null).Find("[data-testid=destroy]");

        Assert.False(button.HasAttribute("disabled"));
        Assert.Equal(("Destroy be1", "Destroy be1", "Destroy be1"),
            (button.GetAttribute("aria-label"), button.GetAttribute("title"), button.GetAttribute("data-tip")));
        Assert.Empty(button.TextContent.Trim());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Destroy")]
    public void Button_WithReason_IsDisabledAndItsFocusableWrapperSaysWhy(string? text)
    {
        var cut = RenderButton(text, Reason);

        var button = cut.Find("[data-testid=destroy]");
        Assert.True(button.HasAttribute("disabled"));
        Assert.Equal(Reason, button.GetAttribute("title"));
        Assert.Equal("true", button.GetAttribute("aria-hidden"));
        var wrapper = cut.Find("[data-testid=destroy-reason]");
        Assert.Equal(("0", "note", Reason), (wrapper.GetAttribute("tabindex"), wrapper.GetAttribute("role"), wrapper.GetAttribute("title")));
        Assert.Equal($"Destroy be1: not available. {Reason}", wrapper.GetAttribute("aria-label"));
        Assert.Equal(Reason, wrapper.GetAttribute("data-tip")); // shown while the keyboard is on it (app.css)
        Assert.Empty(cut.FindComponents<MudTooltip>());
    }

    [Fact]
    public void TextButton_Busy_IsDisabledWithoutAReason()
    {
        var cut = RenderButton("Destroy", reason: null, busy: true);

        Assert.True(cut.Find("[data-testid=destroy]").HasAttribute("disabled"));
        Assert.Equal("Destroy", cut.Find("[data-testid=destroy]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=destroy-reason]"));
    }
}
