using SnapUpgrade.Tests.Browser;
using Xunit;

// One console and one browser for the whole run: starting a host seeds a simulated pool, and
// every test here only reads it.
[assembly: AssemblyFixture(typeof(ConsoleServer))]
[assembly: AssemblyFixture(typeof(BrowserSession))]
