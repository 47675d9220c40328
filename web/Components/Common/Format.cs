using System.Globalization;

namespace SnapUpgrade.Web.Components.Common;

/// <summary>How the console prints sizes and times: like zfs and beadm do.</summary>
public static class Format
{
    private static readonly string[] Units = ["B", "K", "M", "G", "T", "P", "E"];

    /// <summary>1536 -> "1.5K", 1073741824 -> "1G" (powers of 1024, as zfs list prints them).</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + "B";
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = value < 10 ? "0.##" : value < 100 ? "0.#" : "0";
        return value.ToString(format, CultureInfo.InvariantCulture) + Units[unit];
    }

    /// <summary>In UTC and labelled so, as on the Audit page: the host, the browser and the audit trail agree.</summary>
    public static string Time(DateTimeOffset time) =>
        time == default ? "-" : time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Percent(long part, long whole) =>
        whole <= 0 ? "-" : (100.0 * part / whole).ToString("0", CultureInfo.InvariantCulture) + "%";
}
