using k8s;
using k8s.Models;

namespace RunEscape.KubeApiDouble;

/// <summary>A pod the double knows, the engine containers behind it, and its change history for watches.</summary>
public sealed class PodEntry
{
    public required V1Pod Pod { get; set; }

    /// <summary>Pod container name (regular or ephemeral) → engine container id.</summary>
    public Dictionary<string, string> EngineIds { get; } = new(StringComparer.Ordinal);
}

/// <summary>Watch event as sent on the wire, with the resource version it carries.</summary>
public sealed record WatchEvent(long ResourceVersion, string Namespace, string Name, string Json);

/// <summary>Pods by namespace/name, one resource-version counter, and a history that watches replay.</summary>
public sealed class PodStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, PodEntry> _pods = new(StringComparer.Ordinal);
    private readonly List<WatchEvent> _history = new();
    private long _resourceVersion = 1000;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PodEntry? Get(string ns, string name)
    {
        lock (_gate)
        {
            return _pods.GetValueOrDefault(ns + "/" + name);
        }
    }

    public IReadOnlyList<PodEntry> List(string ns)
    {
        lock (_gate)
        {
            return _pods.Values.Where(p => p.Pod.Metadata.NamespaceProperty == ns).ToList();
        }
    }

    public IReadOnlyList<PodEntry> All()
    {
        lock (_gate)
        {
            return _pods.Values.ToList();
        }
    }

    /// <summary>The JSON of the pod as it is now (a snapshot, safe to send).</summary>
    public string Snapshot(PodEntry entry)
    {
        lock (_gate)
        {
            return KubernetesJson.Serialize(entry.Pod);
        }
    }

    public void Add(PodEntry entry) => Change(entry, "ADDED", _ => { }, add: true);

    public void Remove(PodEntry entry) => Change(entry, "DELETED", _ => { }, remove: true);

    /// <summary>Applies a change under the lock, bumps the resource version and wakes the watches.</summary>
    public string Update(PodEntry entry, Action<V1Pod> mutate) => Change(entry, "MODIFIED", mutate);

    /// <summary>Events after <paramref name="resourceVersion"/> and a task that completes on the next change.</summary>
    public (IReadOnlyList<WatchEvent> Events, Task Next) EventsAfter(long resourceVersion)
    {
        lock (_gate)
        {
            return (_history.Where(e => e.ResourceVersion > resourceVersion).ToList(), _changed.Task);
        }
    }

    public long CurrentResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    private string Change(PodEntry entry, string type, Action<V1Pod> mutate, bool add = false, bool remove = false)
    {
        TaskCompletionSource wake;
        string json;
        lock (_gate)
        {
            mutate(entry.Pod);
            _resourceVersion++;
            entry.Pod.Metadata.ResourceVersion = _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var key = entry.Pod.Metadata.NamespaceProperty + "/" + entry.Pod.Metadata.Name;
            if (add)
            {
                _pods[key] = entry;
            }

            if (remove)
            {
                _pods.Remove(key);
            }

            json = KubernetesJson.Serialize(entry.Pod);
            _history.Add(new WatchEvent(_resourceVersion, entry.Pod.Metadata.NamespaceProperty, entry.Pod.Metadata.Name, "{\"type\":\"" + type + "\",\"object\":" + json + "}"));
            wake = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
        return json;
    }
}
