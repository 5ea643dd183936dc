using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace RunEscape.PowerShell;

/// <summary>
/// Dependency isolation: RunEscape.Core and everything it needs (Docker.DotNet, KubernetesClient,
/// YamlDotNet, …) live in the module's dependencies/ folder and load into this context, so they
/// never clash with other versions that other modules load into the default context.
/// Only this small cmdlet assembly sits in the module root.
/// </summary>
internal sealed class RunEscapeLoadContext : AssemblyLoadContext
{
    private const string EngineAssemblyName = "RunEscape.Core";

    private static readonly object Gate = new();
    private static bool s_registered;

    private readonly string _dependencyDirectory;

    private RunEscapeLoadContext(string dependencyDirectory)
        : base("RunEscape", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    internal static RunEscapeLoadContext? Instance { get; private set; }

    /// <summary>Hooks the default context's Resolving event, once, before any engine type is touched.</summary>
    internal static void Register()
    {
        lock (Gate)
        {
            if (s_registered)
            {
                return;
            }

            var moduleDirectory = Path.GetDirectoryName(typeof(RunEscapeLoadContext).Assembly.Location) ?? AppContext.BaseDirectory;
            var dependencies = Path.Combine(moduleDirectory, "dependencies");
            if (Directory.Exists(dependencies))
            {
                Instance = new RunEscapeLoadContext(dependencies);
                AssemblyLoadContext.Default.Resolving += ResolveEngine;
            }

            s_registered = true;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        // Anything not shipped in dependencies/ (the framework, System.Management.Automation) comes from the default context.
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        // Only the engine is handed to the default context; its own dependencies resolve inside this context.
        return name.Name == EngineAssemblyName && Instance is not null ? Instance.LoadFromAssemblyName(name) : null;
    }
}

/// <summary>Registers the load context when PowerShell imports the module.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    /// <summary>Called by PowerShell on Import-Module.</summary>
    public void OnImport() => RunEscapeLoadContext.Register();
}

/// <summary>Registers the load context as soon as this assembly loads, before PowerShell reflects over the cmdlets.</summary>
internal static class AssemblyLoadHook
{
#pragma warning disable CA2255 // ModuleInitializer in a library: intended, the resolver must exist before any engine type is bound.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => RunEscapeLoadContext.Register();
}
