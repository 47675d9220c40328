using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using SnapUpgrade.Infra.Composition;

namespace SnapUpgrade.Web.Auth;

/// <summary>
/// Login attempts (POSTs of the login form) per client address and minute, besides the per-account
/// lockout: the lockout alone lets one client try a password list over many names, or keep
/// <c>admin</c> locked at full speed. The login page names the policy (<c>[EnableRateLimiting]</c>).
/// </summary>
public static partial class LoginRateLimit
{
    public const string Policy = "login";
    public const string Setting = "SnapUpgrade:LoginAttemptsPerMinute";
    public const int DefaultAttemptsPerMinute = 10;

    public static void AddLoginRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var text = configuration[Setting];
        var permits = DefaultAttemptsPerMinute;
        if (text is not null && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out permits) || permits < 1))
            throw new InvalidHostSettingsException([$"{Setting} is '{text}'; it must be a whole number of at least 1."]);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Showing the form is free; every POST counts, a right password too (the limiter cannot know yet).
            o.AddPolicy(Policy, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter($"ip:{http.Connection.RemoteIpAddress}", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("form"));
            o.OnRejected = RejectAsync;
        });
    }

    /// <summary>429 problem details with code TooManyRequests and Retry-After in seconds.</summary>
    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        LogRateLimited(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LoginRateLimit)),
            http.Connection.RemoteIpAddress?.ToString(), seconds);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests, Title = "Too many login attempts",
                Detail = $"Too many login attempts from this address; try again in {seconds} s.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login attempts from {RemoteIp} refused for {Seconds} s: over the per-client limit")]
    private static partial void LogRateLimited(ILogger logger, string? remoteIp, int seconds);
}
