using System.Text.Json;
using System.Text.RegularExpressions;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// A host state as comparable text: everything the console shows, one value per line, without the read
/// time and the space figures (they move on their own: a write into a mounted BE changes them between two
/// reads). What the engine knows after an operation (issue 13's scoped reads) must equal a listing in this.
/// </summary>
public static partial class KnownState
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Comparable(HostState state) =>
        Sizes().Replace(JsonSerializer.Serialize(state with { ReadAt = default }, Indented), "");

    /// <summary>The first lines where two comparable states differ, for a failure message.</summary>
    public static string Difference(string known, string listed)
    {
        var a = known.Split('\n');
        var b = listed.Split('\n');
        var first = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        var context = Math.Max(0, first - 8);
        return $"known (line {first}):\n{string.Join('\n', a.Skip(context).Take(16))}\nlisted:\n{string.Join('\n', b.Skip(context).Take(16))}";
    }

    [GeneratedRegex("""^\s*"\w*(Used|Referenced|Size|Allocated|Free)": \d+,?\r?\n""", RegexOptions.Multiline)]
    private static partial Regex Sizes();
}
