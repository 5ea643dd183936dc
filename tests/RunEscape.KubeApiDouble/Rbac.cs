namespace RunEscape.KubeApiDouble;

/// <summary>One RBAC PolicyRule of the core API group ("").</summary>
public sealed record PolicyRule(IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs);

/// <summary>A namespaced Role: what the double's one user may do. Anything not granted is 403.</summary>
public sealed class Role
{
    public Role(params PolicyRule[] rules) => Rules = rules;

    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>The Role docs/kubernetes.md documents for RunEscape (kept in step with it by a test).</summary>
    public static Role RunEscape { get; } = new(
        new PolicyRule(new[] { "pods" }, new[] { "get", "list", "watch" }),
        new PolicyRule(new[] { "pods/ephemeralcontainers" }, new[] { "patch" }),
        new PolicyRule(new[] { "pods/log" }, new[] { "get" }),
        new PolicyRule(new[] { "pods/exec" }, new[] { "create" }));

    /// <summary>The same Role without one verb on one resource.</summary>
    public Role Without(string verb, string resource) =>
        new(Rules.Select(r => r.Resources.Contains(resource) ? r with { Verbs = r.Verbs.Where(v => v != verb).ToList() } : r).ToArray());

    public bool Allows(string verb, string resource) =>
        Rules.Any(r => (r.Resources.Contains(resource) || r.Resources.Contains("*")) && (r.Verbs.Contains(verb) || r.Verbs.Contains("*")));
}
