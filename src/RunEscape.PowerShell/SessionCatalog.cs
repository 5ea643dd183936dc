using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using RunEscape.Catalog;

namespace RunEscape.PowerShell;

/// <summary>
/// The catalog a command sees: built-in, then $RUNESCAPE_CATALOG_PATH, then -CatalogPath, then the
/// utilities registered in this session (runspace) with Register-CapsuleUtility.
/// </summary>
internal static class SessionCatalog
{
    private static readonly ConditionalWeakTable<object, Registrations> BySession = new();

    internal sealed class Registrations
    {
        public Dictionary<string, (CapsuleUtility Utility, ScriptBlock? Script)> Entries { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    private static object SessionKey => (object?)Runspace.DefaultRunspace ?? typeof(SessionCatalog);

    internal static Registrations Current => BySession.GetValue(SessionKey, _ => new Registrations());

    /// <summary>Built-in + environment + files + session registrations; invalid files throw CapsuleException.</summary>
    internal static CapsuleCatalog Load(IEnumerable<string>? catalogPath)
    {
        var registered = Current.Entries.Values.Select(v => v.Utility).ToList();
        return CapsuleCatalog.Load(catalogPath, registered.Count > 0 ? registered : null);
    }

    /// <summary>The scriptblock parser of a session utility, if it has one.</summary>
    internal static ScriptBlock? ScriptFor(CapsuleUtility utility) =>
        utility.Source == CapsuleCatalog.SessionSource && Current.Entries.TryGetValue(utility.Name, out var e) ? e.Script : null;
}
