namespace SnapUpgrade.Infra.Composition;

/// <summary>
/// One engine per pool and journal across processes: an exclusive lock (flock, which .NET takes for
/// <see cref="FileShare.None"/> on Linux) on <c>&lt;DataDir&gt;/engine-&lt;pool&gt;.lock</c>, held for
/// the engine's life. The kernel drops it when the process ends, kill -9 included, so a crashed
/// console never blocks the next one. The holder's pid is written beside it for the message.
/// </summary>
public sealed class EngineLock : IDisposable
{
    private readonly FileStream _lock;

    private EngineLock(FileStream held) => _lock = held;

    /// <summary>The lock, or null and who holds it when another console runs this pool.</summary>
    public static EngineLock? TryAcquire(string dataDir, string pool, out string holder)
    {
        PrivateFiles.Directory(dataDir);
        var path = Path.Combine(dataDir, $"engine-{pool}.lock");
        var pidFile = path + ".pid";
        try
        {
            var held = new FileStream(path, PrivateFiles.Create(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            using var pid = new StreamWriter(new FileStream(pidFile, PrivateFiles.Create(FileMode.Create, FileAccess.Write, FileShare.Read)));
            pid.Write(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            holder = "";
            return new EngineLock(held);
        }
        catch (IOException)
        {
            var pid = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "?";
            holder = $"Another console (pid {pid}) runs the engine of pool {pool} with this data directory (it holds {path}); " +
                     "this one shows the host but changes nothing and reconciles nothing. Stop one of them.";
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}
