namespace SnapUpgrade.Tests.Support;

public static class RepoRoot
{
    /// <summary>The directory holding SnapUpgrade.sln, found by walking up from the test binary.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SnapUpgrade.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No SnapUpgrade.sln above {AppContext.BaseDirectory}.");
    }
}
