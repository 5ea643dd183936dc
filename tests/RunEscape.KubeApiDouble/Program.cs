using RunEscape.KubeApiDouble;

// Standalone: starts the double on loopback against a local engine and serves until stdin closes.
// Usage: dotnet RunEscape.KubeApiDouble.dll <engine-uri> [<pod-name> <image>]...
// Prints "KUBECONFIG=<path>" once it listens, then "READY".
var engine = new Uri(args.Length > 0 ? args[0] : "unix:///var/run/docker.sock");
await using var server = await KubeApiServer.StartAsync(engine);
for (var i = 1; i + 1 < args.Length; i += 2)
{
    await server.CreatePodAsync("default", args[i], new[] { new KubeApiServer.ContainerSpec("app", args[i + 1]) });
}

Console.WriteLine("KUBECONFIG=" + server.KubeconfigPath);
Console.WriteLine("READY");
await Console.In.ReadToEndAsync();
