using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The engine's socket protocol (ADR 0019): HTTP/1.1 and JSON over the Unix socket, every request and
/// answer carrying <see cref="Header"/>. Both sides refuse to talk across versions: a change either side
/// could misread bumps <see cref="Version"/>, and the message says to upgrade both packages.
/// </summary>
public static class EngineProtocol
{
    public const string Header = "SnapUpgrade-Protocol";
    /// <summary>
    /// 2: the state stream no longer keeps the engine reading; the web asks with <see cref="Watch"/> (issue 13).
    /// 3: upgrades (<see cref="Upgrades"/>, issue 14).
    /// </summary>
    public const int Version = 3;

    public const string Capabilities = "v1/capabilities";
    public const string State = "v1/state";
    public const string StateStream = "v1/state/stream";
    public const string Nudge = "v1/state/nudge";
    /// <summary>"A page of mine is open": keeps the engine's watcher reading for <see cref="WatchLease"/>; renewed while it is.</summary>
    public const string Watch = "v1/state/watch";
    public static readonly TimeSpan WatchLease = TimeSpan.FromSeconds(30);
    public const string SharedHealth = "v1/shared-health";
    public const string Run = "v1/run";
    public const string AuditWritable = "v1/audit/writable";
    public const string AuditAppend = "v1/audit/append";
    public const string AuditQuery = "v1/audit/query";
    public const string AuditStream = "v1/audit/stream";
    public const string AuditVerify = "v1/audit/verify";
    /// <summary>POST starts (<see cref="EngineUpgradeStart"/>), GET lists; <c>{id}</c> reads one, <c>{id}/follow?from=n</c> streams its lines, <c>{id}/cancel</c> cancels.</summary>
    public const string Upgrades = "v1/upgrades";
    /// <summary>POST with an actor: whether they may start upgrades here (<see cref="EngineUpgradeRefusal"/>).</summary>
    public const string UpgradeRefusal = "v1/upgrade-refusal";

    public static string Upgrade(string id) => $"{Upgrades}/{Uri.EscapeDataString(id)}";

    /// <summary>The message when the two sides speak different versions (the same words on both sides).</summary>
    public static string Mismatch(string engineVersion, string webVersion) =>
        $"The engine speaks protocol {engineVersion}, this web speaks {webVersion}: upgrade both packages (snapupgrade-engine and snapupgrade-web come from one release).";

    /// <summary>
    /// The wire's JSON: web defaults, enums as names, and every operation of the engine as a subtype of
    /// <see cref="IOperation"/> named by its type (found in the core assembly, so a new operation needs no list here).
    /// </summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var operations = typeof(IOperation).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IOperation).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver
            {
                Modifiers =
                {
                    info =>
                    {
                        if (info.Type != typeof(IOperation)) return;
                        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "$type" };
                        foreach (var type in operations) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, type.Name));
                    },
                },
            },
        };
        json.Converters.Add(new JsonStringEnumConverter());
        json.MakeReadOnly();
        return json;
    }
}

/// <summary>What the web asks the engine to run, on whose behalf (the engine checks the role and audits it).</summary>
public sealed record EngineRunRequest(IOperation Operation, Actor Actor, bool DryRun, string? Reviewed);

/// <summary>What the engine runs on: fixed for its life.</summary>
public sealed record EngineCapabilities(string Backend, bool CanReboot);

/// <summary>One line of the state stream: a new state, or why the engine's last read failed (null: reads work again).</summary>
public sealed record EngineStateEvent(HostState? State, string? Error);

/// <summary>An engine's answer that is not a result: why (its problem detail).</summary>
public sealed record EngineProblem(string Message);

/// <summary>An upgrade the web asks the engine to start (or plan), on whose behalf (the engine checks the role and audits it).</summary>
public sealed record EngineUpgradeStart(UpgradeOrder Order, Actor Actor);

/// <summary>One upgrade, or none by that id (a web's page may name a run an engine restart forgot).</summary>
public sealed record EngineUpgradeFound(UpgradeView? Run);

/// <summary>A cancel's answer (null when asked), or whether an actor may start upgrades (null when they may): else why not.</summary>
public sealed record EngineUpgradeRefusal(OperationError? Refused);
