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
/// <c>zfs get -r</c> would cost on a real host); it stops when its stdin closes.
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
        // On a thread of its own: Console.In's ReadToEndAsync reads synchronously, it would block here.
        var stdinClosed = Task.Run(Console.In.ReadToEnd);
        var said = -1;
        while (!stdinClosed.IsCompleted)
        {
            if (simulator?.Listings is { } listings && listings != said) Say($"listings {said = listings}");
            await Task.WhenAny(stdinClosed, Task.Delay(50));
        }
        return 0;
    }

    private static void Say(string line) => Console.WriteLine(Prefix + line);
}
