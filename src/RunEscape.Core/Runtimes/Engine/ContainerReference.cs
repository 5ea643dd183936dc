using System.Text.RegularExpressions;

namespace RunEscape.Runtimes.Engine;

/// <summary>
/// Container names and ids go into API paths: only what an engine can call a container passes
/// ([a-zA-Z0-9][a-zA-Z0-9_.-]*, an optional leading '/'), so '../images/…' or '%2D' can never
/// address something else.
/// </summary>
internal static partial class ContainerReference
{
    internal static string Check(string value, string what)
    {
        var trimmed = value.StartsWith('/') ? value[1..] : value;
        if (trimmed.Length == 0 || trimmed.Length > 253 || !Valid().IsMatch(trimmed))
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"'{value}' is not a {what} name or id: names start with a letter or digit and contain only letters, digits, '_', '.' and '-'.",
                value,
                $"Pass the {what}'s name or id as 'docker ps -a' or 'podman ps -a' shows it.");
        }

        return trimmed;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();
}
