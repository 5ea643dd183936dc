using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using RunEscape.Lifecycle;

namespace RunEscape.Tests.Integration;

/// <summary>
/// The real engines the integration tests run against. build.ps1 Test sets
/// RUNESCAPE_TEST_ENGINES ("docker=unix:///var/run/docker.sock;podman=unix:///run/podman/podman.sock");
/// without it, the engines whose sockets exist are used.
/// </summary>
public static class TestEngines
{
    public static readonly string Version = Catalog.CapsuleCatalog.ModuleVersion;

    public static string SampleImage => $"runescape/sample-app:{Version}";

    public static IReadOnlyDictionary<string, Uri> All { get; } = Discover();

    /// <summary>xunit member data: one row per engine.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
        {
            data.Add(name);
        }

        if (All.Count == 0)
        {
            data.Add("none");
        }

        return data;
    }

    public static Uri Endpoint(string engine) =>
        All.TryGetValue(engine, out var uri)
            ? uri
            : throw new InvalidOperationException("No container engine is configured for the integration tests: run them through './build.ps1 Test', which starts Docker Engine and Podman.");

    public static DockerClient Client(string engine) => new DockerClientBuilder().WithEndpoint(Endpoint(engine)).Build();

    /// <summary>Starts a sample target (no shell, no tools; PID 1 xargs running a CPU burner and sleepers).</summary>
    public static async Task<string> StartSampleTargetAsync(string engine, string prefix, IList<string>? entrypoint = null)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        using var client = Client(engine);
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = SampleImage,
            Entrypoint = entrypoint,
            Labels = new Dictionary<string, string> { ["io.runescape.test"] = "true" },
        });
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return name;
    }

    public static async Task<string> CreateStoppedTargetAsync(string engine, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        using var client = Client(engine);
        await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = SampleImage,
            Labels = new Dictionary<string, string> { ["io.runescape.test"] = "true" },
        });
        return name;
    }

    public static async Task RemoveAsync(string engine, string name)
    {
        using var client = Client(engine);
        try
        {
            await client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true });
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>Every container on the engine labelled as a capsule, whatever its state.</summary>
    public static async Task<IList<ContainerListResponse>> CapsulesAsync(string engine, string? target = null)
    {
        using var client = Client(engine);
        var filter = new Dictionary<string, bool> { [CapsuleLabels.Marker + "=true"] = true };
        if (target is not null)
        {
            filter[CapsuleLabels.Target + "=" + target] = true;
        }

        return await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = filter },
        });
    }

    private static Dictionary<string, Uri> Discover()
    {
        var result = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
        var configured = Environment.GetEnvironmentVariable("RUNESCAPE_TEST_ENGINES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            foreach (var part in configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = part.Split('=', 2);
                result[kv[0]] = new Uri(kv[1]);
            }

            return result;
        }

        if (File.Exists("/var/run/docker.sock"))
        {
            result["docker"] = new Uri("unix:///var/run/docker.sock");
        }

        if (File.Exists("/run/podman/podman.sock"))
        {
            result["podman"] = new Uri("unix:///run/podman/podman.sock");
        }

        return result;
    }
}
