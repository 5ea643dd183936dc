using System.Diagnostics;
using System.Globalization;
using RunEscape.Catalog;
using RunEscape.Parsing;
using RunEscape.Runtimes;

namespace RunEscape.Lifecycle;

/// <summary>
/// The capsule lifecycle: resolve → inject → run (with a hard deadline) → collect → parse → remove.
/// Engine-neutral: the runtime does the engine work, this class does the order, the deadline,
/// the labels and the parsing.
/// </summary>
public sealed class CapsuleInvoker
{
    /// <summary>Seconds the capsule's own deadline runs past the client's timeout, so the client sees the timeout first.</summary>
    internal const int DeadlineGraceSeconds = 5;

    private readonly ICapsuleRuntime _runtime;
    private readonly CapsuleCatalog _catalog;

    public CapsuleInvoker(ICapsuleRuntime runtime, CapsuleCatalog catalog)
    {
        _runtime = runtime;
        _catalog = catalog;
    }

    public async Task<CapsuleResult> InvokeAsync(CapsuleRequest request, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var timings = new CapsuleTimings();
        var utility = _catalog.Get(request.Utility);
        var timeout = request.Timeout ?? TimeSpan.FromSeconds(utility.TimeoutSec);
        if (request.MaxOutputBytes <= 0)
        {
            throw new CapsuleException(CapsuleErrorKind.InvalidArgument, "The output cap must be positive.", request.MaxOutputBytes, "Pass -MaxOutputBytes 1 or more.");
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new CapsuleException(CapsuleErrorKind.InvalidArgument, "The timeout must be positive.", timeout, "Pass -TimeoutSec 1 or more.");
        }

        using var deadlineCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadlineCts.Token);
        var token = linked.Token;
        try
        {
            var sw = Stopwatch.StartNew();
            var target = await _runtime.ResolveTargetAsync(request.Target, token).ConfigureAwait(false);
            timings.Resolve = sw.Elapsed;
            if (!target.Running)
            {
                var action = target.State switch
                {
                    "paused" => $"Unpause the container ('{target.EngineKind} unpause {target.Name}') and try again.",
                    "restarting" => $"Wait until the container stays up ('{target.EngineKind} ps' shows it Up), or find out why it restarts ('{target.EngineKind} logs {target.Name}').",
                    _ => $"Start the container ('{target.EngineKind} start {target.Name}') and try again.",
                };
                throw new CapsuleException(
                    CapsuleErrorKind.TargetNotRunning,
                    $"Container '{target.Name}' is {target.State}, not running: a capsule can only join a running container's namespaces.",
                    target.Name,
                    action);
            }

            var created = DateTimeOffset.UtcNow;
            var hardSeconds = (int)Math.Ceiling(timeout.TotalSeconds) + DeadlineGraceSeconds;
            var deadline = created.AddSeconds(hardSeconds);
            var argv = new List<string> { "timeout", "-s", "KILL", hardSeconds.ToString(CultureInfo.InvariantCulture) };
            argv.AddRange(utility.Command);
            argv.AddRange(request.ArgumentList);

            var image = CapsuleCatalog.ResolveImage(utility, request.Registry);
            var launch = new CapsuleLaunch
            {
                Name = CapsuleName(utility.Name, target.Name),
                Image = image,
                Command = argv,
                Environment = utility.Environment,
                Labels = new Dictionary<string, string>
                {
                    [CapsuleLabels.Marker] = "true",
                    [CapsuleLabels.Target] = target.Name,
                    [CapsuleLabels.TargetId] = target.Id,
                    [CapsuleLabels.Utility] = utility.Name,
                    [CapsuleLabels.Created] = created.ToString("o", CultureInfo.InvariantCulture),
                    [CapsuleLabels.Deadline] = deadline.ToString("o", CultureInfo.InvariantCulture),
                    [CapsuleLabels.Owner] = Environment.UserName + "@" + Environment.MachineName,
                    [CapsuleLabels.Version] = CapsuleCatalog.ModuleVersion,
                },
                Target = target,
                Namespaces = utility.Namespaces,
                Capabilities = utility.Capabilities,
                Utility = utility.Name,
                User = CapsuleUser(target),
                Deadline = deadline,
                MaxOutputBytes = request.MaxOutputBytes,
                PullIfMissing = image != utility.Image,
            };

            var output = await _runtime.RunCapsuleAsync(launch, timings, token).ConfigureAwait(false);

            sw.Restart();
            var context = new ParseContext { Variant = request.Variant ?? utility.ParserVariant };
            IReadOnlyList<CapsuleRecord> records = Array.Empty<CapsuleRecord>();
            IReadOnlyList<CapsuleRecord> items = records;
            IReadOnlyList<CapsuleRecord> summary = records;
            if (!request.Raw && utility.Parser != Parsers.GenericParsers.ScriptBlock)
            {
                var parser = ParserRegistry.Get(utility.Parser);
                var list = parser.Parse(output.StandardOutput, context).ToList();
                if (utility.LastFrameOnly)
                {
                    // Frames start with their secondary record (top's summary): keep the last frame.
                    var start = list.FindLastIndex(r => !parser.Info.PrimaryRecordType.IsInstanceOfType(r));
                    if (start > 0)
                    {
                        list.RemoveRange(0, start);
                    }
                }

                foreach (var r in list)
                {
                    r.Target = target.Name;
                }

                records = list;
                items = list.Where(r => parser.Info.PrimaryRecordType.IsInstanceOfType(r)).ToList();
                summary = list.Where(r => !parser.Info.PrimaryRecordType.IsInstanceOfType(r)).ToList();
            }

            timings.Parse = sw.Elapsed;
            timings.Total = total.Elapsed;
            return new CapsuleResult
            {
                Target = target.Name,
                TargetId = target.Id,
                Utility = utility.Name,
                Image = image,
                Engine = target.EngineKind,
                Endpoint = target.Endpoint,
                CapsuleName = output.CapsuleName ?? launch.Name,
                User = launch.User,
                ExitCode = output.ExitCode,
                StandardOutput = output.StandardOutput,
                StandardError = output.StandardError,
                Records = records,
                Items = items,
                Summary = summary,
                ParseIssues = context.Issues,
                SharedNamespaces = output.SharedNamespaces,
                Command = argv,
                Deadline = deadline,
                Timings = timings,
                OutputTruncated = output.Truncated,
                CleanupFailure = output.CleanupFailure,
            };
        }
        catch (OperationCanceledException ex) when (deadlineCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CapsuleException(
                CapsuleErrorKind.Timeout,
                FormattableString.Invariant($"The '{utility.Name}' capsule on '{request.Target}' did not finish within {timeout.TotalSeconds:0.###} s; it was stopped and removed."),
                request.Target,
                "Raise -TimeoutSec, or check that the utility's arguments make it finish on its own.",
                ex);
        }
    }

    /// <summary>
    /// The capsule runs as the target's user, so it can read the target's /proc/1 entries
    /// (/proc/1/root, /proc/1/environ need the same uid) and a runAsNonRoot target stays non-root.
    /// A user given by name is refused: the capsule image has no passwd entry for it.
    /// </summary>
    internal static string CapsuleUser(Targets.CapsuleTargetInfo target)
    {
        var user = target.User.Trim();
        if (user.Length == 0)
        {
            return string.Empty;
        }

        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var uid = colon >= 0 ? user[..colon] : user;
        var gid = colon >= 0 ? user[(colon + 1)..] : string.Empty;
        if (!IsNumericOrRoot(uid) || (gid.Length > 0 && !IsNumericOrRoot(gid)))
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"Container '{target.Name}' runs as user '{user}', a name: a capsule can only take a numeric uid[:gid] (its image has no passwd entry for '{uid}').",
                target.Name,
                "Run the target with a numeric user (e.g. --user 1000 or runAsUser: 1000).");
        }

        return user;
    }

    private static bool IsNumericOrRoot(string part) => part == "root" || (part.Length > 0 && part.All(char.IsAsciiDigit));

    /// <summary>Unique, readable capsule names: capsule-&lt;utility&gt;-&lt;target&gt;-&lt;suffix&gt;.</summary>
    internal static string CapsuleName(string utility, string target)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var safeTarget = new string(target.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        if (safeTarget.Length > 40)
        {
            safeTarget = safeTarget[..40];
        }

        return $"capsule-{utility}-{safeTarget}-{suffix}";
    }
}
