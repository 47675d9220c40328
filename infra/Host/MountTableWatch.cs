namespace SnapUpgrade.Infra.Host;

/// <summary>
/// poll(2) on <c>/proc/self/mountinfo</c>: the kernel marks the open file POLLPRI|POLLERR once the mount
/// table of this process's namespace changed since the file was opened or last polled
/// (fs/proc_namespace.c, <c>mounts_poll</c>), so a change between two waits is not lost. Reading the
/// table is left to the caller (a fresh read of the file).
/// </summary>
public sealed class MountTableWatch : IDisposable
{
    public const string Path = "/proc/self/mountinfo";
    // A wait polls in slices this long, so that it sees its cancellation.
    private const int SliceMs = 250;

    private readonly Fd _fd;

    private MountTableWatch(Fd fd) => _fd = fd;

    public static MountTableWatch Open() =>
        new(new Fd(Errno.Check(Native.Openat(Native.AtFdCwd, Path, Native.ORdOnly | Native.OCloExec, 0), Path, "open")));

    /// <summary>Waits (on a thread of its own: poll blocks) until the table changed; throws when cancelled.</summary>
    public Task WaitAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Wait(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Wait(CancellationToken ct)
    {
        var added = false;
        _fd.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var poll = new Native.PollFd { Fd = _fd.Value, Events = Native.PollPri };
                var ready = Native.Poll(ref poll, 1, SliceMs);
                if (ready < 0 && Native.LastErrno != Errno.EIntr) throw Errno.ToException(Native.LastErrno, Path, "poll");
                if (ready > 0 && (poll.Revents & (Native.PollPri | Native.PollErr)) != 0) return;
            }
        }
        finally
        {
            if (added) _fd.DangerousRelease();
        }
    }

    public void Dispose() => _fd.Dispose();
}
