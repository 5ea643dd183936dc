using System.Text.RegularExpressions;

namespace RunEscape.Security;

/// <summary>
/// Redacts the values of environment variables whose names look like secrets (TOKEN, PASSWORD,
/// SECRET, KEY, …) and of any variable whose value is a URL carrying a password
/// (scheme://user:password@host). Works on NAME=VALUE entries separated by NUL (/proc/*/environ)
/// or by newlines (env).
/// </summary>
public static partial class SecretRedaction
{
    /// <summary>What a redacted value is replaced with.</summary>
    public const string Mask = "********";

    private static readonly string[] Words =
    {
        "TOKEN", "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "KEY", "CREDENTIAL", "PRIVATE",
        "AUTH", "CERT", "SIGNATURE", "SALT", "COOKIE", "SESSION", "CONNECTIONSTRING", "CONNECTION_STRING", "SAS",
    };

    /// <summary>Words that count only as a whole part of the name (DB_PASS, MYSQL_PWD; not PASSIVE, COMPASS).</summary>
    private static readonly string[] Parts = { "PASS", "PWD", "PW" };

    private static readonly char[] PartSeparators = { '_', '.', '-', ' ' };

    /// <summary>Names that contain a word above but are never secrets.</summary>
    private static readonly HashSet<string> NotSecret = new(StringComparer.OrdinalIgnoreCase) { "PWD", "OLDPWD", "KEYTIMEOUT", "AUTHOR", "XAUTHORITY" };

    // Userinfo in a URL: token@ or user:password@ (a sloppy password may even hold '/').
    [GeneratedRegex("^[a-z][a-z0-9+.-]*://([^/@\\s]+@|[^/@\\s:]*:[^@\\s]*@)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlWithPassword();

    /// <summary>True when the name looks like it holds a secret.</summary>
    public static bool IsSecretName(string name)
    {
        if (NotSecret.Contains(name))
        {
            return false;
        }

        var upper = name.ToUpperInvariant();
        if (Words.Any(w => upper.Contains(w, StringComparison.Ordinal)))
        {
            return true;
        }

        var parts = upper.Split(PartSeparators, StringSplitOptions.RemoveEmptyEntries);
        return parts.Any(p => Parts.Contains(p, StringComparer.Ordinal));
    }

    /// <summary>True when the value should not be shown whatever its name (a URL with a password).</summary>
    public static bool IsSecretValue(string value) => UrlWithPassword().IsMatch(value);

    /// <summary>The text with secret values masked, and the names that were masked.</summary>
    public static string RedactEnvironment(string text, out IReadOnlySet<string> redacted)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        redacted = names;
        if (text.Length == 0)
        {
            return text;
        }

        var separator = text.Contains('\0', StringComparison.Ordinal) ? '\0' : '\n';
        var entries = text.Split(separator);
        var kept = new List<string>(entries.Length);
        var masking = false;
        foreach (var entry in entries)
        {
            // In NUL-separated environ every entry is a variable, whatever its name; in
            // newline-separated text a line starts a variable when it begins with NAME=.
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || (separator == '\n' && !IsName(entry.AsSpan(0, eq))))
            {
                // A line that starts no variable continues the one before (a multi-line value in
                // newline-separated output): it is dropped when that value was masked.
                if (!masking || entry.Length == 0)
                {
                    kept.Add(entry);
                }

                continue;
            }

            var name = entry[..eq];
            var value = entry[(eq + 1)..].TrimEnd('\r');
            masking = value.Length > 0 && (IsSecretName(name) || IsSecretValue(value));
            if (masking)
            {
                names.Add(name);
                kept.Add(name + "=" + Mask);
            }
            else
            {
                kept.Add(entry);
            }

            masking &= separator == '\n';
        }

        return string.Join(separator, kept);
    }

    private static bool IsName(ReadOnlySpan<char> name)
    {
        // Any run of non-blank characters: env(1) prints names a shell would not accept too.
        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
    }
}
