using System.Runtime.InteropServices;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Host;

/// <summary>The one place an errno from <see cref="Native"/> becomes an exception; HResult is the errno.</summary>
internal static class Errno
{
    public const int EPerm = 1, ENoEnt = 2, EIntr = 4, EAcces = 13, EBusy = 16, EExist = 17, EXDev = 18, ENotDir = 20,
        EIsDir = 21, EInval = 22, ERofs = 30, ENoSys = 38, ENotEmpty = 39, ELoop = 40, ENoData = 61, EOpNotSupp = 95;

    /// <summary>The exception for <paramref name="errno"/> met while doing <paramref name="what"/> on a host path.</summary>
    public static IOException ToException(int errno, string hostPath, string what)
    {
        var text = $"{what} {hostPath}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            ELoop => new UnsafePathException(hostPath, "a symbolic link is in the way"),
            ERofs => new ReadOnlyFileSystemException(hostPath),
            ENoEnt => new FileNotFoundException(text, hostPath) { HResult = errno },
            _ => new IOException(text, errno),
        };
    }

    /// <summary>Throws for the last errno unless <paramref name="result"/> is not negative; returns it.</summary>
    public static int Check(int result, string hostPath, string what) =>
        result >= 0 ? result : throw ToException(Native.LastErrno, hostPath, what);

    public static nint Check(nint result, string hostPath, string what) =>
        result >= 0 ? result : throw ToException(Native.LastErrno, hostPath, what);
}
