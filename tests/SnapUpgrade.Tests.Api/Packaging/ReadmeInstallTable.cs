using System.Text.RegularExpressions;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Packaging;

/// <summary>The table of README "Install on a host": each path the package or the services make, with its owner and mode.</summary>
public static partial class ReadmeInstallTable
{
    public sealed record Row(string Path, string Owner, string Mode, string MadeBy)
    {
        public bool ByPackage => MadeBy.StartsWith("package", StringComparison.Ordinal);
    }

    public static async Task<IReadOnlyList<Row>> RowsAsync()
    {
        var readme = await File.ReadAllLinesAsync(Path.Combine(RepoRoot.Find(), "README.md"), TestContext.Current.CancellationToken);
        return [.. readme.SkipWhile(l => l != "## Install on a host").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => TableRow().Match(l)).Where(m => m.Success)
            .Select(m => new Row(m.Groups["path"].Value, m.Groups["owner"].Value, m.Groups["mode"].Value, m.Groups["from"].Value.Trim()))];
    }

    [GeneratedRegex(@"^\| `(?<path>/[^`]+)` \| (?<owner>[a-z]+:[a-z]+) \| (?<mode>0[0-7]{3}|link) \| (?<from>[^|]+) \|")]
    private static partial Regex TableRow();
}
