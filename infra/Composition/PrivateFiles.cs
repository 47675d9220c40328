namespace SnapUpgrade.Infra.Composition;

/// <summary>
/// The console's own files hold password hashes, token hashes, the audit trail and logs: its data
/// directory is 0700 and its files 0600, whatever the umask, so only the console's user reads them.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Makes the directory (0700) or narrows an existing one to 0700.</summary>
    public static void Directory(string path)
    {
        if (OperatingSystem.IsWindows()) return; // the console runs on Linux; this keeps the analyzer honest
        System.IO.Directory.CreateDirectory(path, DirectoryMode);
        if (File.GetUnixFileMode(path) != DirectoryMode) File.SetUnixFileMode(path, DirectoryMode);
    }

    /// <summary>
    /// Narrows an existing file to 0600 (SQLite then makes its -wal and -shm files alike). A file that is
    /// not there, or goes while this looks (SQLite deletes the -wal and -shm when another connection is the
    /// last to close), is left alone: there is nothing to narrow.
    /// </summary>
    public static void File0600(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            if (File.GetUnixFileMode(path) != FileMode) File.SetUnixFileMode(path, FileMode);
        }
        catch (FileNotFoundException) { }
    }

    /// <summary>Options that create a file 0600 from the start.</summary>
    public static FileStreamOptions Create(System.IO.FileMode mode, FileAccess access, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return options;
    }
}
