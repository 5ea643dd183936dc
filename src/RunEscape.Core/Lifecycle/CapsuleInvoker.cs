using System.Diagnostics;
using System.Globalization;
using RunEscape.Catalog;
using RunEscape.Parsing;
using RunEscape.Runtimes;
using RunEscape.Security;

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
    private readonly CapsulePolicy _policy;

    /// <param name="runtime">The engine or cluster the capsules run on.</param>
    /// <param name="catalog">Where utilities are looked up.</param>
    /// <param name="policy">The security policy; null: the one in force (<see cref="CapsulePolicy.Current"/>).</param>
    public CapsuleInvoker(ICapsuleRuntime runtime, CapsuleCatalog catalog, CapsulePolicy? policy = null)
    {
        _runtime = runtime;
        _catalog = catalog;
        _policy = policy ?? CapsulePolicy.Current();
    }

    /// <summary>Runs one capsule; with an audit log in force, records the invocation and its outcome there.</summary>
    public async Task<CapsuleResult> InvokeAsync(CapsuleRequest request, CancellationToken cancellationToken)
    {
        var log = _policy.AuditLog;
        if (log is null)
        {
            return await InvokeCoreAsync(request, null, cancellationToken).ConfigureAwait(false);
        }

        AuditLog.EnsureWritable(log);
        var trail = new AuditTrail();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var outcome = "error";
        long? exitCode = null;
        Exception? failure = null;
        try
        {
            var result = await InvokeCoreAsync(request, trail, cancellationToken).ConfigureAwait(false);
            exitCode = result.ExitCode;
            outcome = result.Succeeded ? "succeeded" : "failed";
            return result;
        }
        catch (OperationCanceledException ex)
        {
            outcome = "cancelled";
            failure = ex;
            throw;
        }
        catch (Exception ex)
        {
            outcome = "error";
            failure = ex;
            throw;
        }
        finally
        {
            AppendAudit(log, failure, new AuditEntry
            {
                Time = started,
                User = Environment.UserName,
                Host = Environment.MachineName,
                ProcessId = Environment.ProcessId,
                Engine = trail.Engine ?? _runtime.Kind,
                Endpoint = _runtime.Endpoint,
                Target = trail.Target ?? request.Target,
                TargetId = trail.TargetId,
                Utility = request.Utility,
                Argv = trail.Argv ?? request.ArgumentList,
                Image = trail.Image,
                ImageDigest = trail.ImageDigest,
                Capsule = trail.Capsule,
                Privileged = request.Privileged,
                Outcome = outcome,
                ExitCode = exitCode,
                ErrorKind = (failure as CapsuleException)?.ErrorId,
                Error = failure?.Message,
                DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1),
            });
        }
    }

    /// <summary>
    /// Appends the record. When that fails the run's own failure, if any, goes on; otherwise the
    /// invocation fails (PermissionDenied): a capsule ran that the audit log does not show.
    /// </summary>
    private static void AppendAudit(string log, Exception? failure, AuditEntry entry)
    {
        try
        {
            AuditLog.Append(log, entry);
        }
        catch (Exception ex) when (failure is null && ex is IOException or UnauthorizedAccessException or CapsuleException)
        {
            throw new CapsuleException(
                CapsuleErrorKind.PermissionDenied,
                $"The '{entry.Utility}' capsule on '{entry.Target}' ran ({entry.Outcome}{(entry.ExitCode is { } code ? $", exit code {code}" : string.Empty)}), but its audit record could not be written to '{log}': {ex.Message}",
                log,
                "Free space or fix the permissions of the audit log; its output is withheld because the run is not on record.",
                ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CapsuleException)
        {
            // The run failed already, and that failure is what the caller sees.
        }
    }

    /// <summary>What is known of an invocation so far, for its audit record.</summary>
    private sealed class AuditTrail
    {
        public string? Engine;
        public string? Target;
        public string? TargetId;
        public IReadOnlyList<string>? Argv;
        public string? Image;
        public string? ImageDigest;
        public string? Capsule;
    }

    private async Task<CapsuleResult> InvokeCoreAsync(CapsuleRequest request, AuditTrail? trail, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var timings = new CapsuleTimings();
        var utility = _catalog.Get(request.Utility);
        var timeout = request.Timeout ?? TimeSpan.FromSeconds(utility.TimeoutSec);
        if (request.MaxOutputBytes is <= 0 or > CapsuleRequest.MaxOutputBytesLimit)
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"The output cap must be between 1 and {CapsuleRequest.MaxOutputBytesLimit} bytes (512 MiB).",
                request.MaxOutputBytes,
                "Pass -MaxOutputBytes between 1024 and 536870912.");
        }

        if (request.MaxOutputLines is <= 0 or > CapsuleRequest.MaxOutputLinesLimit)
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"The line cap must be between 1 and {CapsuleRequest.MaxOutputLinesLimit} lines.",
                request.MaxOutputLines,
                "Pass -MaxOutputLines between 1 and 100000000.");
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
            var image = CapsuleCatalog.ResolveImage(utility, request.Registry);
            var reference = ImageReference.TryParse(image) ?? throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"The capsule image '{image}' of utility '{utility.Name}' is not an image reference.",
                image,
                "Fix the catalog entry's image, or -Registry.");
            var utilityArgv = utility.Command.Concat(request.ArgumentList).ToList();
            if (trail is not null)
            {
                trail.Image = image;
                trail.Argv = utilityArgv;
            }

            var pin = _policy.PinFor(reference, utility.Digest);
            _policy.Check(reference, pin, request.Privileged, utility.Name);

            var target = await _runtime.ResolveTargetAsync(request.Target, token).ConfigureAwait(false);
            timings.Resolve = sw.Elapsed;
            if (trail is not null)
            {
                trail.Engine = target.EngineKind;
                trail.Target = target.Name;
                trail.TargetId = target.Id;
            }

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
            argv.AddRange(utilityArgv);

            var launch = new CapsuleLaunch
            {
                Name = CapsuleName(utility.Name, target.Name),
                Image = image,
                ImageDigest = pin,
                Privileged = request.Privileged,
                Policy = _policy,
                ImageResolved = trail is null ? null : digest => trail.ImageDigest = digest,
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
                    [CapsuleLabels.User] = Environment.UserName,
                    [CapsuleLabels.Host] = Environment.MachineName,
                    [CapsuleLabels.Argv] = System.Text.Json.JsonSerializer.Serialize(utilityArgv),
                    [CapsuleLabels.Image] = image,
                    [CapsuleLabels.Privileged] = request.Privileged ? "true" : "false",
                },
                Target = target,
                Namespaces = utility.Namespaces,
                Capabilities = utility.Capabilities,
                Utility = utility.Name,
                User = CapsuleUser(target),
                Deadline = deadline,
                MaxOutputBytes = request.MaxOutputBytes,
                MaxOutputLines = request.MaxOutputLines,
                PullIfMissing = image != utility.Image,
            };

            if (trail is not null)
            {
                trail.Capsule = launch.Name;
            }

            var output = await _runtime.RunCapsuleAsync(launch, timings, token).ConfigureAwait(false);
            if (trail is not null)
            {
                trail.Capsule = output.CapsuleName ?? launch.Name;
                trail.ImageDigest = output.ImageDigest;
            }

            sw.Restart();
            var stdout = output.StandardOutput;
            IReadOnlySet<string> redacted = new HashSet<string>();
            if (utility.RedactSecrets && !request.ShowSecrets)
            {
                stdout = SecretRedaction.RedactEnvironment(stdout, out redacted);
            }

            var context = new ParseContext { Variant = request.Variant ?? utility.ParserVariant, MaxRecords = request.MaxOutputLines };
            IReadOnlyList<CapsuleRecord> records = Array.Empty<CapsuleRecord>();
            IReadOnlyList<CapsuleRecord> items = records;
            IReadOnlyList<CapsuleRecord> summary = records;
            if (!request.Raw && utility.Parser != Parsers.GenericParsers.ScriptBlock)
            {
                var parser = ParserRegistry.Get(utility.Parser);
                var parsed = parser.Parse(stdout, context);
                var list = parsed as List<CapsuleRecord> ?? parsed.ToList();
                if (utility.LastFrameOnly)
                {
                    // Frames start with their secondary record (top's summary): keep the last frame.
                    var start = list.FindLastIndex(r => !parser.Info.PrimaryRecordType.IsInstanceOfType(r));
                    if (output.Truncated && start > 0)
                    {
                        // A cap cut the last frame off: keep the last whole frame before it, not a
                        // summary with half its fields and a few of its rows.
                        list.RemoveRange(start, list.Count - start);
                        start = list.FindLastIndex(r => !parser.Info.PrimaryRecordType.IsInstanceOfType(r));
                    }

                    if (start > 0)
                    {
                        list.RemoveRange(0, start);
                    }
                }

                foreach (var r in list)
                {
                    r.Target = target.Name;
                    if (r is Parsers.EnvironmentVariable variable && redacted.Contains(variable.Name))
                    {
                        variable.Redacted = true;
                    }
                }

                records = list;
                var primary = parser.Info.PrimaryRecordType;
                if (list.TrueForAll(primary.IsInstanceOfType))
                {
                    // The usual case (one record type): no copies of a list that may hold -MaxOutputLines records.
                    items = list;
                }
                else
                {
                    items = list.Where(primary.IsInstanceOfType).ToList();
                    summary = list.Where(r => !primary.IsInstanceOfType(r)).ToList();
                }
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
                StandardOutput = stdout,
                ImageDigest = output.ImageDigest,
                Privileged = request.Privileged,
                RedactedNames = redacted.Order(StringComparer.Ordinal).ToList(),
                StandardError = output.StandardError,
                Records = records,
                Items = items,
                Summary = summary,
                ParseIssues = context.Issues,
                SharedNamespaces = output.SharedNamespaces,
                Command = argv,
                Deadline = deadline,
                Timings = timings,
                OutputTruncatedBy = output.Truncated ? output.TruncatedBy : context.RecordLimitReached ? OutputLimit.Records : OutputLimit.None,
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
