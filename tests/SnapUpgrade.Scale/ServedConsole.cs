using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Simulation;

namespace SnapUpgrade.Scale;

/// <summary>
/// The child side of <see cref="ScaleConsole"/>: the console's own Program on Kestrel (a free loopback
/// port), configured from the environment as a deployed console is, in a process of its own so its
/// memory and CPU are its alone. It says on stdout where it listens, an admin token for the API and,
/// on the simulator, each new count of listings (<see cref="SimulatedZfs.Listings"/>: what a
/// <c>zfs get -r</c> would cost on a real host), and its live heap when asked (a line <c>heap</c>
/// on stdin); it stops when its stdin closes.
/// </summary>
public static class ServedConsole
{
    public const string Prefix = "scale: ";

    public static async Task<int> RunAsync()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.UseEnvironment("Production"));
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Say($"listening {address}/");
        var (secret, _) = await factory.Services.GetRequiredService<ITokens>().CreateAsync("scale", Role.Admin, expires: null, "scale");
        Say($"token {secret}");

        var simulator = factory.Services.GetRequiredService<HostSettings>().Backend == Backend.Simulated
            ? factory.Services.GetRequiredService<SimulatedZfs>()
            : null;
        // On a thread of its own: Console.In reads synchronously, it would block here. "heap" asks for the
        // live managed heap: what the console holds, apart from what its GC has not returned yet.
        var stdinClosed = Task.Run(() =>
        {
            while (Console.In.ReadLine() is { } command)
            {
                if (command == "heap") Say($"heap {LiveHeap()}");
            }
        });
        var said = -1;
        while (!stdinClosed.IsCompleted)
        {
            if (simulator?.Listings is { } listings && listings != said) Say($"listings {said = listings}");
            await Task.WhenAny(stdinClosed, Task.Delay(50));
        }
        return 0;
    }

    /// <summary>The bytes still reachable after a full, blocking, compacting collection.</summary>
    private static long LiveHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Say(string line) => Console.WriteLine(Prefix + line);
}
