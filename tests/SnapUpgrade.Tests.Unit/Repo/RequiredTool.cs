using Xunit;

namespace SnapUpgrade.Tests.Unit.Repo;

/// <summary>
/// A command-line tool a test needs. Missing: in CI (CI=true) the test fails, since a lane whose real
/// part is missing must never look green; on a laptop it skips, loudly (TESTING.md, "Lanes").
/// The Unit project does not reference Tests.Support, hence this small local copy of the rule.
/// </summary>
static class RequiredTool
{
    public static string Require(string name, string install)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (found is not null)
            return found;

        var message = $"`{name}` is not installed ({install}); ./test.sh installs it when run as root.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"CI: {message}");
        Assert.Skip($"SKIPPED LOCALLY, WOULD FAIL IN CI: {message}");
        return ""; // not reached: Assert.Skip throws
    }
}
