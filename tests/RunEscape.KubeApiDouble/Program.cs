using RunEscape.KubeApiDouble;

// Standalone: starts the double on loopback against a local engine and serves until stdin closes.
// Usage: dotnet RunEscape.KubeApiDouble.dll <engine-uri> [--list-namespaces] [--namespace <name>]... [<pod> <image>]...
//   <pod> is [<namespace>/]<name>[,<label>=<value>]... (namespace default: default)
//   --list-namespaces  binds a ClusterRole granting 'list namespaces' (default: the namespaced Role only, so it is 403)
//   --namespace <name> creates a namespace that holds no pod
// Prints "KUBECONFIG=<path>" once it listens, then "READY".
var engine = new Uri(args.Length > 0 ? args[0] : "unix:///var/run/docker.sock");
await using var server = await KubeApiServer.StartAsync(engine);
var pods = new List<(string Pod, string Image)>();
for (var i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--list-namespaces":
            server.ClusterRole = new Role(new PolicyRule(new[] { "namespaces" }, new[] { "list" }));
            break;
        case "--namespace" when i + 1 < args.Length:
            server.CreateNamespace(args[++i]);
            break;
        default:
            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"'{args[i]}' has no image.");
                return 2;
            }

            pods.Add((args[i], args[++i]));
            break;
    }
}

foreach (var (spec, image) in pods)
{
    var parts = spec.Split(',');
    var slash = parts[0].IndexOf('/', StringComparison.Ordinal);
    var (ns, name) = slash > 0 ? (parts[0][..slash], parts[0][(slash + 1)..]) : ("default", parts[0]);
    var labels = parts.Skip(1).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : string.Empty);
    await server.CreatePodAsync(ns, name, new[] { new KubeApiServer.ContainerSpec("app", image) }, labels);
}

Console.WriteLine("KUBECONFIG=" + server.KubeconfigPath);
Console.WriteLine("READY");
await Console.In.ReadToEndAsync();
return 0;
