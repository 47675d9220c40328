using System.Net.Sockets;
using System.Runtime.Versioning;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Remote;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra.Remote;

/// <summary>
/// The engine's socket, on real Unix sockets in a temp directory: the web's words for each way a
/// connection fails, the protocol check of the engine's answer, the stale file the engine clears, and the
/// peer the kernel names.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class EngineSocketTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("snapupgrade-socket-");

    private string Path(string name) => System.IO.Path.Combine(_dir.FullName, name);

    private static HostSettings Settings(string socket, string group = "root") => new()
    {
        Backend = Backend.Simulated, Pool = "rpool", HostRoot = "/", DataDir = "/tmp", EngineSocket = socket, EngineGroup = group,
    };

    /// <summary>
    /// A socket file nobody listens on (what an engine killed with SIGKILL leaves): bound, moved to its place
    /// (.NET removes the file a socket bound when it is disposed), then closed.
    /// </summary>
    private static void MakeStale(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path + ".bound"));
        File.Move(path + ".bound", path);
    }

    private static async Task<string> FailureAsync(string socket)
    {
        using var client = new EngineClient(socket);
        var ex = await Assert.ThrowsAsync<EngineUnavailableException>(() => client.GetAsync<EngineCapabilities>(EngineProtocol.Capabilities,
            TestContext.Current.CancellationToken));
        return ex.Message;
    }

    [Fact]
    public async Task Client_SocketDirectoryMissing_SaysTheSocketIsMissing()
    {
        var socket = Path("gone/engine.sock");

        Assert.Equal($"The engine socket {socket} is missing (its directory does not exist): is snapupgrade-engine running?", await FailureAsync(socket));
    }

    [Fact]
    public async Task Client_SocketFileMissing_SaysTheSocketIsMissing()
    {
        var socket = Path("engine.sock");

        Assert.Equal($"The engine socket {socket} is missing: is snapupgrade-engine running?", await FailureAsync(socket));
    }

    [Fact]
    public async Task Client_StaleSocketFile_SaysNothingAnswers()
    {
        var socket = Path("engine.sock");
        MakeStale(socket);

        Assert.Equal($"Nothing answers on the engine socket {socket} (connection refused: a stale socket file): start snapupgrade-engine.",
            await FailureAsync(socket));
    }

    [Theory]
    [InlineData("SnapUpgrade-Protocol: 2\r\n", "2")]
    [InlineData("SnapUpgrade-Protocol: 4\r\n", "4")]
    [InlineData("", "none (not a SnapUpgrade engine?)")]
    public async Task Client_EngineOfAnotherProtocol_RefusesItsAnswerNamingBothVersions(string header, string engineVersion)
    {
        var socket = Path("engine.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen();
        var ct = TestContext.Current.CancellationToken;
        var asked = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync(ct);
            var buffer = new byte[4096];
            var read = await peer.ReceiveAsync(buffer, ct);
            var answer = $"HTTP/1.1 200 OK\r\n{header}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}";
            await peer.SendAsync(System.Text.Encoding.ASCII.GetBytes(answer), ct);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        }, ct);

        var message = await FailureAsync(socket);

        Assert.Contains("SnapUpgrade-Protocol: 3\r\n", await asked);
        Assert.Equal(EngineProtocol.Mismatch(engineVersion, "3"), message);
    }

    [Fact]
    public void Prepare_StaleSocketFile_IsRemoved()
    {
        var socket = Path("engine.sock");
        MakeStale(socket);

        var (gid, removed) = EngineSocketFile.Prepare(Settings(socket));

        Assert.Equal((0u, true), (gid, removed));
        Assert.False(File.Exists(socket));
    }

    /// <summary>
    /// A wrong setting naming a file (connecting to it is refused, as to a dead socket) or a link: root
    /// removes neither the file nor the link, nor a stale socket the link points at.
    /// </summary>
    [Fact]
    public void Prepare_AFileOrALinkWhereTheSocketGoes_IsRefusedAndLeftAsItIs()
    {
        var file = Path("precious.conf");
        File.WriteAllText(file, "keep me\n");
        var stale = Path("stale.sock");
        MakeStale(stale);
        var toFile = Path("to-file.sock");
        File.CreateSymbolicLink(toFile, file);
        var toStale = Path("to-stale.sock");
        File.CreateSymbolicLink(toStale, stale);

        foreach (var socket in new[] { file, toFile, toStale })
        {
            var ex = Assert.Throws<InvalidHostSettingsException>(() => EngineSocketFile.Prepare(Settings(socket)));
            Assert.Contains("is not a socket", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal("keep me\n", File.ReadAllText(file));
        Assert.Equal(file, new FileInfo(toFile).LinkTarget);
        Assert.Equal(stale, new FileInfo(toStale).LinkTarget);
        Assert.True(File.Exists(stale));
    }

    [Fact]
    public void Prepare_AnEngineAnswers_RefusesAndLeavesItsSocket()
    {
        var socket = Path("engine.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen();

        var ex = Assert.Throws<InvalidHostSettingsException>(() => EngineSocketFile.Prepare(Settings(socket)));

        Assert.Contains($"Another engine answers on {socket}", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(socket));
    }

    /// <summary>
    /// Root changes the socket file by its path; a directory on that path that someone else can change lets
    /// them put a link there (attack: the link named by root's chgrp/chmod). Each such directory is refused
    /// before anything is made or removed: writable by everyone, by its group, a link, someone else's,
    /// or an ancestor writable by everyone without the sticky bit.
    /// </summary>
    [Theory]
    [InlineData("everyone", "writable by everyone")]
    [InlineData("group", "writable by its group")]
    [InlineData("link", "is a symbolic link")]
    [InlineData("owner", "belongs to uid")]
    [InlineData("ancestor", "writable by everyone")]
    public void Prepare_SocketDirectorySomeoneElseCanChange_IsRefusedMakingNothing(string how, string why)
    {
        var real = Path("real");
        Directory.CreateDirectory(real);
        var directory = how switch
        {
            "link" => Directory.CreateSymbolicLink(Path("via-link"), real).FullName,
            "ancestor" => Directory.CreateDirectory(System.IO.Path.Combine(real, "below")).FullName,
            _ => real,
        };
        var stale = System.IO.Path.Combine(directory, "engine.sock");
        MakeStale(stale);
        switch (how)
        {
            case "everyone" or "ancestor": File.SetUnixFileMode(real, (UnixFileMode)0b111_111_111); break;
            case "group": File.SetUnixFileMode(real, (UnixFileMode)0b111_111_101); break;
            case "owner": ChangeOwner(real); break;
        }

        var ex = Assert.Throws<InvalidHostSettingsException>(() => EngineSocketFile.Prepare(Settings(stale)));

        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Contains("someone else could put a link where the socket goes", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(stale), "the stale socket was removed although the directory was refused");
    }

    /// <summary>Attack: the socket's missing directory would be made through a link; root makes nothing there.</summary>
    [Fact]
    public void Prepare_MissingDirectoryBelowALink_IsRefusedAndNothingIsMadeAtTheLinksTarget()
    {
        var target = Directory.CreateDirectory(Path("target")).FullName;
        Directory.CreateSymbolicLink(Path("via-link"), target);

        var ex = Assert.Throws<InvalidHostSettingsException>(() => EngineSocketFile.Prepare(Settings(Path("via-link/run/engine.sock"))));

        Assert.Contains("is a symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    /// <summary>Owned by someone other than the engine's user: nobody as root, or root's stand-in otherwise.</summary>
    private static void ChangeOwner(string directory)
    {
        if (!Environment.IsPrivilegedProcess) return; // a non-root run's directories are its own, root is the other
        using var chown = System.Diagnostics.Process.Start("chown", ["65534", directory]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    [Fact]
    public void Prepare_UnderAStickyAncestorLikeTmp_IsAcceptedAndAMissingDirectoryIsMade0755()
    {
        var sticky = Path("sticky");
        Directory.CreateDirectory(sticky);
        File.SetUnixFileMode(sticky, (UnixFileMode)0b1_111_111_111);
        var socket = System.IO.Path.Combine(sticky, "run", "engine.sock");

        var (_, removed) = EngineSocketFile.Prepare(Settings(socket));

        Assert.False(removed);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(System.IO.Path.GetDirectoryName(socket)!));
    }

    /// <summary>
    /// Attack: between the listener making the socket and root's chgrp/chmod, the socket is swapped for a link
    /// to a file of root's. Nothing is changed: the file keeps its group and its 0600.
    /// </summary>
    [Fact]
    public void Secure_ALinkSwappedInForTheSocket_IsRefusedAndItsTargetKeepsGroupAndMode()
    {
        var victim = Path("shadow");
        File.WriteAllText(victim, "secret\n");
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var groupBefore = GroupOf(victim);
        var socket = Path("engine.sock");
        File.CreateSymbolicLink(socket, victim);

        var ex = Assert.Throws<IOException>(() => EngineSocketFile.Secure(socket, 65534));

        Assert.Contains("is not the engine's socket any more", ex.Message, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(victim));
        Assert.Equal(groupBefore, GroupOf(victim));
        Assert.NotEqual("65534", groupBefore);
    }

    private static string GroupOf(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%g", path])
        {
            RedirectStandardOutput = true,
        })!;
        var group = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return group;
    }

    [Fact]
    public void Prepare_GroupMissing_SaysHowToMakeIt()
    {
        var ex = Assert.Throws<InvalidHostSettingsException>(() => EngineSocketFile.Prepare(Settings(Path("engine.sock"), "nosuchgroup9")));

        Assert.Contains("no such group exists: create it (groupadd --system nosuchgroup9)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secure_MakesTheSocketTheGroups0660()
    {
        var socket = Path("engine.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));

        EngineSocketFile.Secure(socket, 0);

        Assert.Equal(EngineSocketFile.Mode, File.GetUnixFileMode(socket));
    }

    [Fact]
    public async Task PeerCredentials_OfAConnectedSocket_AreThisProcesssAndRootMayUse()
    {
        var socket = Path("engine.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), TestContext.Current.CancellationToken);
        using var accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken);

        var peer = PeerCredentials.Of(accepted)!;

        Assert.Equal(Environment.ProcessId, peer.Pid);
        Assert.Equal(File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1],
            peer.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0u, 100u, "", 999u, true)]          // root
    [InlineData(1000u, 999u, "", 999u, true)]       // the group is its own
    [InlineData(1000u, 1000u, "27 999", 999u, true)] // a supplementary group
    [InlineData(1000u, 1000u, "27 100", 999u, false)]
    [InlineData(1000u, 1000u, "", 999u, false)]
    public void PeerCredentials_MayUse_RootOrAMemberOfTheGroup(uint uid, uint gid, string groups, uint socketGroup, bool may)
    {
        var proc = Directory.CreateDirectory(Path("proc/4242"));
        File.WriteAllLines(System.IO.Path.Combine(proc.FullName, "status"), ["Name:\tweb", $"Uid:\t{uid}\t{uid}\t{uid}\t{uid}", $"Groups:\t{groups}"]);

        Assert.Equal(may, new PeerCredentials(4242, uid, gid).MayUse(socketGroup, Path("proc")));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
