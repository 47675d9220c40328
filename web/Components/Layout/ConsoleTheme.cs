using MudBlazor;

namespace SnapUpgrade.Web.Components.Layout;

/// <summary>The console's theme: system fonts only, since no request may leave the host (no web fonts).</summary>
public static class ConsoleTheme
{
    private static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "Segoe UI", "DejaVu Sans", "Helvetica", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = Create();

    private static MudTheme Create()
    {
        var typography = new Typography();
        BaseTypography[] all =
        [
            typography.Default, typography.H1, typography.H2, typography.H3, typography.H4, typography.H5,
            typography.H6, typography.Subtitle1, typography.Subtitle2, typography.Body1, typography.Body2,
            typography.Button, typography.Caption, typography.Overline,
        ];
        foreach (var style in all) style.FontFamily = SystemFonts;
        return new MudTheme { Typography = typography };
    }
}
