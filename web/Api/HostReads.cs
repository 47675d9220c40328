using System.Globalization;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// The API's reads of the host: the watcher's latest state (<see cref="IHostStateStream.LatestAsync"/>),
/// never a listing of their own (issue 13: at 1000 BEs each GET was a full `zfs get -r`). The answer says
/// when that state was read in <see cref="ReadAtHeader"/> (GET host carries it in its body too).
/// </summary>
public static class HostReads
{
    public const string ReadAtHeader = "SnapUpgrade-Read-At";

    public static async Task<HostState> LatestStateAsync(this HttpContext http, CancellationToken ct)
    {
        var state = await http.RequestServices.GetRequiredService<IHostStateStream>().LatestAsync(ct);
        http.Response.Headers[ReadAtHeader] = state.ReadAt.ToString("O", CultureInfo.InvariantCulture);
        return state;
    }
}
