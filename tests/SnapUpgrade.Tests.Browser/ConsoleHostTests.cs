using System.Net;
using Xunit;

namespace SnapUpgrade.Tests.Browser;

/// <summary>The host without a browser: health, static files outside Development, settings.</summary>
public sealed class ConsoleHostTests(ConsoleServer server)
{
    [Fact]
    public async Task Healthz_SimulatedHost_AnswersHealthy()
    {
        using var client = server.CreateClient();

        var response = await client.GetAsync("healthz", TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine($"The console started in {server.StartTime.TotalSeconds:0.00} s.");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("app.css", "su-flags")]
    [InlineData("favicon.svg", "<svg")]
    [InlineData("_content/MudBlazor/MudBlazor.min.css", ".mud-")]
    [InlineData("_framework/blazor.web.js", "")]
    public async Task StaticFile_InProduction_IsServedFromTheHost(string path, string expected)
    {
        using var client = server.CreateClient();

        var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Settings_TestHost_UseTheTempDataDirNotTheUsers()
    {
        Assert.True(File.Exists(Path.Combine(server.DataDir, "snapupgrade.db")), "the journal database is in the temp DataDir");
        Assert.True(Directory.EnumerateFiles(Path.Combine(server.DataDir, "logs")).Any(), "the log file is in the temp DataDir");
    }
}
