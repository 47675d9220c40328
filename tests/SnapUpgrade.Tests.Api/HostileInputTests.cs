using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Web.Api;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Thousands of generated hostile requests over every API endpoint, read from the app's
/// <see cref="EndpointDataSource"/> (a new endpoint is covered without editing this file): names with
/// every control character and other odd code points in the path and in the body, overlong names and
/// mount paths, wrong JSON types, unknown members, bad JSON, huge bodies, form and text bodies, empty
/// bodies, bad query values, wrong methods, no or bad credentials, the wrong role, Accept headers without JSON. No answer is a 5xx;
/// every 4xx is problem details with a <c>code</c>, except the few Kestrel answers before the app
/// (README: a NUL in the path, a request line or headers over Kestrel's limits); the pool's listing
/// is the same afterwards. Requests whose hostile part is a name run for real (a name must be refused
/// whatever it holds), and so do form bodies (the cross-site case); the rest are dry runs, which must
/// change nothing either.
/// </summary>
public sealed partial class HostileInputTests(SimulatedApiHost host, ITestOutputHelper output) : IClassFixture<SimulatedApiHost>
{
    /// <param name="Dry">Sent with <c>?dryRun=true</c>.</param>
    /// <param name="KestrelMayAnswer">Kestrel may answer before the app: a 400, 414 or 431 without a body is then allowed.</param>
    private sealed record Probe(string What, HttpMethod Method, string Path, string Principal, Func<HttpContent?>? Body = null,
        bool Dry = false, bool KestrelMayAnswer = false, string? Authorization = null, string? Accept = null)
    {
        public string Url => Dry ? Path + (Path.Contains('?') ? "&" : "?") + "dryRun=true" : Path;
    }

    private sealed record ApiEndpoint(string Pattern, HttpMethod Method, IReadOnlyList<string> RouteValues, Type? BodyType);

    /// <summary>Kestrel's default request line limit (KestrelServerLimits.MaxRequestLineSize).</summary>
    private const int MaxRequestLine = 8 * 1024;
    /// <summary>Body members that are names: any hostile value is refused, so it may run for real.</summary>
    private static readonly HashSet<string> NameMembers = ["name", "newName", "snapshot", "source"];
    private static readonly HttpMethod[] Methods = [HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete];

    [Fact]
    public async Task HostileRequests_OverEveryEndpoint_AreAnsweredWithCodedProblemsAndChangeNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} API endpoints found");
        var probes = Probes(endpoints).ToList();
        var before = await ListingAsync(ct);

        var statuses = new SortedDictionary<int, int>();
        var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var kestrel = new SortedDictionary<int, int>();
        var failures = new List<string>();
        foreach (var probe in probes)
        {
            using var response = await TrySendAsync(probe, failures, ct);
            if (response is null) continue;
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(ct);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status < 400) continue;
            if (status < 500 && Problem(response, text, status) is { } code)
                codes[code] = codes.GetValueOrDefault(code) + 1;
            else if (probe.KestrelMayAnswer && text.Length == 0 && status is 400 or 414 or 431)
                kestrel[status] = kestrel.GetValueOrDefault(status) + 1;
            else
                failures.Add($"{probe.What}: {probe.Method} {Shorten(probe.Url)} as {probe.Principal}: {status} {Shorten(text)}" +
                    (status >= 500 ? "\nthe console's last errors:\n" + host.Logs.LastErrors() : ""));
        }

        var after = await ListingAsync(ct);
        output.WriteLine($"{probes.Count} hostile requests over {endpoints.Count} endpoints " +
            $"({endpoints.Select(e => e.Pattern).Distinct().Count()} paths)");
        output.WriteLine("answers by status: " + string.Join(", ", statuses.Select(s => $"{s.Key} x{s.Value}")));
        output.WriteLine("problem codes: " + string.Join(", ", codes.Select(c => $"{c.Key} x{c.Value}")));
        output.WriteLine("answered by Kestrel without a body: " + string.Join(", ", kestrel.Select(k => $"{k.Key} x{k.Value}")));
        Assert.True(probes.Count >= 1000, $"only {probes.Count} requests generated");
        Assert.True(failures.Count == 0, $"{failures.Count} answers break the rule:\n" + string.Join('\n', failures.Take(30)));
        Assert.DoesNotContain(statuses.Keys, s => s >= 500);
        Assert.Equal(before, after);
    }

    /// <summary>The problem's code when the answer is problem details whose status matches and whose code is non-empty.</summary>
    private static string? Problem(HttpResponseMessage response, string text, int status)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return null;
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            return problem.GetProperty("status").GetInt32() == status
                && problem.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private IReadOnlyList<ApiEndpoint> ApiEndpoints() =>
    [
        .. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new ApiEndpoint(
                e.RoutePattern.RawText!, new HttpMethod(m), [.. e.RoutePattern.Parameters.Select(p => p.Name)],
                e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType))),
    ];

    private static IEnumerable<Probe> Probes(IReadOnlyList<ApiEndpoint> endpoints)
    {
        foreach (var e in endpoints)
        {
            var changing = e.Method != HttpMethod.Get;
            var valid = Fill(e, null, "");
            Func<HttpContent?>? validBody = e.BodyType is null ? null : () => Json(ValidBody(e.BodyType));

            // A hostile value in each route value (the others valid), for real: a name is refused whatever it holds.
            foreach (var value in e.RouteValues)
                foreach (var (what, name) in HostileNames())
                {
                    var path = Fill(e, value, name);
                    yield return new($"{{{value}}} = {what}", e.Method, path, "admin", validBody,
                        KestrelMayAnswer: name.Contains('\0') || path.Length > MaxRequestLine - 100);
                }
            foreach (var raw in RawSegments)
                foreach (var value in e.RouteValues)
                    yield return new($"{{{value}}} = raw {raw}", e.Method, Fill(e, value, raw, escaped: true), "admin", validBody,
                        KestrelMayAnswer: raw.Contains("%00", StringComparison.Ordinal));

            foreach (var probe in BodyProbes(e, valid)) yield return probe;

            // Bodies a JSON endpoint must not take, for real: a form (even empty), text, multipart, XML.
            if (changing)
            {
                yield return new("empty form body", e.Method, valid, "admin", () => new FormUrlEncodedContent([]));
                yield return new("form body", e.Method, valid, "admin", () => new FormUrlEncodedContent([new("name", "x1"), new("temporary", "true")]));
                yield return new("text/plain body", e.Method, valid, "admin", () => new StringContent("""{"name":"x1"}""", Encoding.UTF8, "text/plain"));
                yield return new("multipart body", e.Method, valid, "admin", () => new MultipartFormDataContent { { new StringContent("x1"), "name" } });
                yield return new("XML body", e.Method, valid, "admin", () => new StringContent("<name>x1</name>", Encoding.UTF8, "application/xml"));
                yield return new("huge form body", e.Method, valid, "admin", () => new StringContent("a=" + new string('x', 200 * 1024), Encoding.UTF8, "application/x-www-form-urlencoded"));
                // Huge JSON: 413 where the body is read; ignored where the endpoint takes none (a dry run then).
                yield return new("70 KiB JSON body", e.Method, valid, "admin", () => Raw($$"""{"name":"{{new string('x', 70 * 1024)}}"}"""), Dry: true);
                yield return new("2 MiB JSON body", e.Method, valid, "admin", () => Raw($$"""{"description":"{{new string('x', 2 * 1024 * 1024)}}"}"""), Dry: true);
                yield return new("empty JSON body", e.Method, valid, "admin", () => Raw(""), Dry: true);
                yield return new("no body at all", e.Method, valid, "admin", Dry: true);
                yield return new("the wrong role", e.Method, valid, "auditor", validBody, Dry: true);
            }

            // Credentials: none, revoked, expired, malformed, and headers over Kestrel's limit.
            foreach (var principal in new[] { ApiHost.Anonymous, ApiHost.Revoked, ApiHost.Expired })
                yield return new($"signed in as {principal}", e.Method, valid, principal, validBody);
            foreach (var (what, header) in BadAuthorizations)
                yield return new($"Authorization: {what}", e.Method, valid, ApiHost.Anonymous, validBody, Authorization: header,
                    KestrelMayAnswer: header.Length > 16 * 1024);

            // A client that asks for anything but JSON still gets problem details.
            foreach (var accept in new[] { "text/html", "application/xml", "text/plain;q=1, image/png" })
                yield return new($"Accept: {accept}", e.Method, valid, ApiHost.Anonymous, validBody, Accept: accept);

            // Query values that do not bind (the endpoint's own and the audit filters).
            foreach (var query in BadQueries)
                yield return new($"query {query}", e.Method, valid + "?" + query, "admin", validBody);
            if (e.Pattern.Contains("/audit", StringComparison.Ordinal))
                foreach (var query in BadAuditQueries)
                    yield return new($"audit query {query}", e.Method, valid + "?" + query, "auditor");
        }

        // Methods no endpoint of the path maps: routing's 405.
        foreach (var group in endpoints.GroupBy(e => e.Pattern))
            foreach (var method in Methods.Where(m => group.All(e => e.Method != m)))
                yield return new("wrong method", method, Fill(group.First(), null, ""), "admin", method == HttpMethod.Get ? null : () => Raw("{}"));

        // Paths no endpoint maps: routing's 404, whatever the method.
        foreach (var path in new[] { "api/v1/nope", "api/v1/bes/2026.11/nope", "api/v2/bes", "api/v1/", "api/v1/bes/2026.11/snapshots/s1/x", "api/" + new string('a', 5000) })
            foreach (var method in Methods)
                yield return new("no such endpoint", method, path, "admin");
    }

    /// <summary>Each member of the endpoint's body type: hostile strings, wrong JSON types, nulls; then unknown members and bad JSON.</summary>
    private static IEnumerable<Probe> BodyProbes(ApiEndpoint e, string path)
    {
        if (e.BodyType is not { } type) yield break;
        var body = ValidBody(type);
        foreach (var (member, kind) in Members(type))
        {
            if (kind == typeof(string))
            {
                var real = NameMembers.Contains(member);
                foreach (var (what, value) in HostileNames())
                    yield return new($"{member} = {what}", e.Method, path, "admin", () => Json(With(body, member, value)), Dry: !real);
                if (member == "path")
                    foreach (var (what, value) in HostilePaths())
                        yield return new($"path = {what}", e.Method, path, "admin", () => Json(With(body, member, value)), Dry: true);
                yield return new($"{member} = lone surrogate", e.Method, path, "admin", () => Raw(JsonSerializer.Serialize(body).Replace("\"x1\"", "\"\\ud800\"")), Dry: true);
            }
            foreach (var (what, json) in WrongTypes(kind))
                yield return new($"{member} as {what}", e.Method, path, "admin", () => Raw(WithRaw(body, member, json)));
            yield return new($"{member} null", e.Method, path, "admin", () => Raw(WithRaw(body, member, "null")), Dry: true);
        }
        foreach (var unknown in new[] { "colour", "Name\u0000", "__proto__", "constructor", "dryRun", new string('k', 5000) })
            yield return new($"unknown member {Shorten(unknown)}", e.Method, path, "admin",
                () => Raw(JsonSerializer.Serialize(With(body, unknown, "red"))));
        foreach (var (what, raw) in BadJson)
            yield return new($"bad JSON: {what}", e.Method, path, "admin", () => Raw(raw), Dry: true);
        yield return new("invalid UTF-8", e.Method, path, "admin", () => new ByteArrayContent([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
        }, Dry: true);
    }

    private static IEnumerable<(string What, string Value)> HostileNames()
    {
        foreach (var c in Enumerable.Range(0x00, 0x20).Concat(Enumerable.Range(0x7F, 0x21)))
            yield return ($"U+{c:X4} inside", $"a{(char)c}b");
        foreach (var c in new[] { 0xA0, 0xAD, 0x0301, 0x200B, 0x200E, 0x202E, 0x2028, 0x2029, 0xFEFF, 0xFF41, 0xFFFD, 0xFFFE, 0xFFFF })
            yield return ($"U+{c:X4} inside", $"a{(char)c}b");
        yield return ("U+1F600 inside", "a\U0001F600b");
        yield return ("a NUL alone", "\0");
        yield return ("a trailing NUL", "be1\0");
        foreach (var s in new[] { " ", ".", "..", "-a", ".a", "a b", "a/b", "a@b", "a%b", "a#b", "a?b", "a\\b", "../../etc/passwd", "a;b", "$(id)", "`id`", "a'b", "a\"b", "<a>", "a:b", "a=b" })
            yield return ($"'{s}'", s);
        foreach (var n in new[] { 65, 300, 1000, 2500, 5000 })
            yield return ($"{n} letters", new string('a', n));
        yield return ("1000 x U+00E9", new string('\u00E9', 1000));
        yield return ("2000 x U+20AC", new string('\u20AC', 2000));
    }

    /// <summary>Mount paths: overlong (300..5000 characters, one segment or many), relative, with dot segments.</summary>
    private static IEnumerable<(string What, string Value)> HostilePaths()
    {
        foreach (var n in new[] { 300, 1000, 4096, 5000 })
        {
            yield return ($"/ and {n} letters", "/" + new string('a', n));
            yield return ($"{n} characters of short segments", ("/mnt" + string.Concat(Enumerable.Repeat("/x", n / 2)))[..n]);
        }
        foreach (var p in new[] { "relative/path", "/mnt/../etc", "/mnt/./x", "//mnt", "/", "/mnt/a\0b", "/proc/self", "/mnt/" + new string('b', 256) })
            yield return ($"'{Shorten(p)}'", p);
    }

    /// <summary>Path segments sent as they are (already escaped): a NUL, overlong UTF-8, bytes that are not UTF-8, dot segments.</summary>
    private static readonly string[] RawSegments = ["%00", "a%00b", "%C0%80", "%FF", "%FE%FF", "%2e%2e", "%2F", "a%2Fb", "%25", "%E2%80%AE", "%EF%BF%BF"];

    private static readonly (string What, string Header)[] BadAuthorizations =
    [
        ("empty bearer", "Bearer "), ("bearer of another form", "Bearer not-a-token"), ("basic", "Basic YWRtaW46YWRtaW4="),
        ("overlong bearer", "Bearer su_" + new string('x', 5000)), ("bearer over Kestrel's header limit", "Bearer su_" + new string('x', 40 * 1024)),
    ];

    private static readonly string[] BadQueries = ["dryRun=maybe", "dryRun=%00", "dryRun=1e3", "forceUnmount=2&dryRun=true"];

    private static readonly string[] BadAuditQueries =
    [
        "page=0", "page=-1", "page=abc", "page=99999999999", "page=1.5", "pageSize=0", "pageSize=-5", "pageSize=100000",
        "pageSize=99999999999", "page=2147483647&pageSize=500", "from=yesterday", "to=2026-13-45", "from=2026-02-30T00:00:00Z",
        "from=%00", "to=" + new string('9', 5000), "from=2026-01-01&from=2026-02-01", "outcome=%01",
    ];

    private static readonly (string What, string Raw)[] BadJson =
    [
        ("truncated", "{\"name\":\"x1\""), ("an array", "[]"), ("null", "null"), ("a string", "\"x1\""), ("a number", "42"),
        ("trailing garbage", "{} x"), ("trailing comma", "{\"name\":\"x1\",}"), ("comment", "{/* c */}"), ("single quotes", "{'name':'x1'}"),
        ("nested 1000 deep", new string('[', 1000) + new string(']', 1000)), ("duplicate member", "{\"name\":\"x1\",\"name\":\"a\\u0000b\"}"),
        ("a NUL byte", "{\"name\":\"x\u0000\"}"), ("not JSON", "name=x1"),
    ];

    private static IEnumerable<(string What, string Json)> WrongTypes(Type kind) => kind == typeof(bool)
        ? [("a string", "\"yes\""), ("a number", "1"), ("an array", "[true]"), ("an object", "{}")]
        : [("a number", "42"), ("a boolean", "true"), ("an array", "[\"x1\"]"), ("an object", "{\"x\":1}"), ("a huge number", "1e400")];

    /// <summary>The body's members (camelCase, as the API reads them) and their types, from the record's constructor.</summary>
    private static IEnumerable<(string Member, Type Kind)> Members(Type type) =>
        type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters()
            .Select(p => (JsonNamingPolicy.CamelCase.ConvertName(p.Name!), Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType));

    /// <summary>Every member set: strings to a valid name (x1), booleans to false.</summary>
    private static Dictionary<string, object?> ValidBody(Type type) =>
        Members(type).ToDictionary(m => m.Member, m => m.Kind == typeof(bool) ? false : (object?)"x1");

    private static Dictionary<string, object?> With(Dictionary<string, object?> body, string member, object? value) =>
        new(body) { [member] = value };

    private static string WithRaw(Dictionary<string, object?> body, string member, string json) =>
        JsonSerializer.Serialize(With(body, member, "\u0001marker\u0001")).Replace("\"\\u0001marker\\u0001\"", json, StringComparison.Ordinal);

    /// <summary>The endpoint's path with valid route values (an existing BE, zone or snapshot name), one of them replaced.</summary>
    private static string Fill(ApiEndpoint e, string? hostile, string value, bool escaped = false) =>
        RouteValue().Replace(e.Pattern.TrimStart('/'), m => m.Groups[1].Value == hostile
            ? escaped ? value : Uri.EscapeDataString(value)
            : m.Groups[1].Value switch { "name" when e.Pattern.StartsWith("/api/v1/zones", StringComparison.Ordinal) => "db", "name" => "2026.11", _ => "s1" });

    [GeneratedRegex(@"\{(\w+)[^}]*\}")]
    private static partial Regex RouteValue();

    private static StringContent Json(object body) => Raw(JsonSerializer.Serialize(body));

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The answer; null (and a failure) when the connection closed without one.</summary>
    private async Task<HttpResponseMessage?> TrySendAsync(Probe probe, List<string> failures, CancellationToken ct)
    {
        try
        {
            return await SendAsync(probe, ct);
        }
        catch (HttpRequestException e)
        {
            failures.Add($"{probe.What}: {probe.Method} {Shorten(probe.Url)} as {probe.Principal}: no answer ({e.InnerException?.Message ?? e.Message})");
            return null;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Probe probe, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(probe.Method, new Uri(probe.Url, UriKind.Relative)) { Content = probe.Body?.Invoke() };
        // As curl does for large bodies: a server that refuses the body says so before it is sent.
        // Without it the client may still be writing when the 413 closes the connection (a broken pipe, no answer read).
        if (request.Content?.Headers.ContentLength > ApiExtensions.MaxBodyBytes)
            request.Headers.ExpectContinue = true;
        if (probe.Accept is not null)
            request.Headers.TryAddWithoutValidation("Accept", probe.Accept);
        if (probe.Authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", probe.Authorization);
        else if (host.Secrets.TryGetValue(probe.Principal, out var secret))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return await host.Client.SendAsync(request, ct);
    }

    /// <summary>
    /// Every dataset and snapshot of the pool with its properties, and the pool's bootfs, as the ZFS
    /// port lists them; but the audit chain's anchor, which moves with every audit row (refusals too).
    /// </summary>
    private async Task<string> ListingAsync(CancellationToken ct)
    {
        var pool = host.Services.GetRequiredService<HostSettings>().Pool;
        var listing = await host.Services.GetRequiredService<IZfs>().ListAsync(pool, ct);
        var datasets = listing.Datasets.Select(d => d with { AuditHead = null });
        return JsonSerializer.Serialize(new { listing.Pool.Bootfs, datasets }, new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Shorten(string s) => s.Length <= 160 ? s : s[..160] + $"... ({s.Length} chars)";
}
