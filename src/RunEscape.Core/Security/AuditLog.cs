using System.Text;
using System.Text.Json;

namespace RunEscape.Security;

/// <summary>One invocation as the audit log records it.</summary>
public sealed class AuditEntry
{
    public DateTimeOffset Time { get; init; }
    public string User { get; init; } = string.Empty;
    public string Host { get; init; } = string.Empty;
    public int ProcessId { get; init; }
    public string Engine { get; init; } = string.Empty;
    public string Endpoint { get; init; } = string.Empty;
    public string Target { get; init; } = string.Empty;
    public string? TargetId { get; init; }
    public string Utility { get; init; } = string.Empty;
    public IReadOnlyList<string> Argv { get; init; } = Array.Empty<string>();
    public string? Image { get; init; }
    public string? ImageDigest { get; init; }
    public string? Capsule { get; init; }
    public bool Privileged { get; init; }

    /// <summary>succeeded, failed (the utility's exit code), error (the capsule could not run), cancelled.</summary>
    public string Outcome { get; init; } = string.Empty;
    public long? ExitCode { get; init; }
    public string? ErrorKind { get; init; }
    public string? Error { get; init; }
    public double DurationMs { get; init; }
}

/// <summary>
/// The opt-in JSON-lines audit log: one line per invocation, appended with a single write so
/// concurrent capsules (and processes) never interleave within a line. The log is opened before
/// the capsule starts, so an unwritable log refuses the invocation instead of losing its record.
/// </summary>
public static class AuditLog
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly object Gate = new();

    /// <summary>Throws (PermissionDenied) when the log cannot be appended to; creates it (mode 600) when missing.</summary>
    public static void EnsureWritable(string path)
    {
        try
        {
            lock (Gate)
            {
                using var stream = Open(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CapsuleException(
                Path.IsPathFullyQualified(path) ? CapsuleErrorKind.PermissionDenied : CapsuleErrorKind.InvalidArgument,
                $"The audit log '{path}' cannot be written ({ex.Message}); no capsule is started without its audit record.",
                path,
                $"Make the log's directory exist and writable by this user, or point ${CapsulePolicy.AuditLogVariable} (or the policy's auditLog) elsewhere.",
                ex);
        }
    }

    /// <summary>Appends one entry as one line.</summary>
    public static void Append(string path, AuditEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, Options) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (Gate)
        {
            using var stream = Open(path);
            stream.Write(bytes, 0, bytes.Length);
        }
    }

    private static FileStream Open(string path)
    {
        if (!Path.IsPathFullyQualified(path))
        {
            throw new IOException("the path is not absolute");
        }

        // A symbolic link at the log's path (in a shared directory) would send the records elsewhere.
        if (new FileInfo(path).LinkTarget is not null)
        {
            throw new IOException("the path is a symbolic link");
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }
}
