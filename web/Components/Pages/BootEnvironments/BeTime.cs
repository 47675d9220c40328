using System.Globalization;

namespace SnapUpgrade.Web.Components.Pages.BootEnvironments;

/// <summary>"3 days ago": how old a BE or snapshot is at a glance; the exact local time goes in the title.</summary>
public static class BeTime
{
    public static string Relative(DateTimeOffset time) => Relative(time, DateTimeOffset.UtcNow);

    public static string Relative(DateTimeOffset time, DateTimeOffset now)
    {
        if (time == default) return "-";
        var age = now - time;
        if (age < TimeSpan.Zero) return "just now";
        return age switch
        {
            { TotalMinutes: < 1 } => "just now",
            { TotalHours: < 1 } => Ago((int)age.TotalMinutes, "minute"),
            { TotalDays: < 1 } => Ago((int)age.TotalHours, "hour"),
            { TotalDays: < 31 } => Ago((int)age.TotalDays, "day"),
            { TotalDays: < 365 } => Ago((int)(age.TotalDays / 30.44), "month"),
            _ => Ago((int)(age.TotalDays / 365.25), "year"),
        };
    }

    private static string Ago(int count, string unit) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + unit + (count == 1 ? "" : "s") + " ago";
}
