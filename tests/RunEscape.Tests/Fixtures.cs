namespace RunEscape.Tests;

/// <summary>
/// Finds the files under tests/fixtures, which the test project copies next to the test assembly
/// (see RunEscape.Tests.csproj); falls back to the source tree when run from elsewhere.
/// </summary>
internal static class Fixtures
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The fixtures directory.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Full path of a fixture, e.g. <c>Path("top", "busybox__capsule--top-b-n1.out")</c>.</summary>
    public static string PathOf(string folder, string name) => Path.Combine(Root, folder, name);

    /// <summary>The fixture's text, exactly as stored.</summary>
    public static string ReadText(string folder, string name) => File.ReadAllText(PathOf(folder, name));

    /// <summary>File names (not paths) in a fixture folder matching a pattern, sorted ordinally.</summary>
    public static IReadOnlyList<string> List(string folder, string pattern)
    {
        var names = Directory.GetFiles(Path.Combine(Root, folder), pattern)
            .Select(p => Path.GetFileName(p)!)
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static string FindRoot()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "fixtures");
        if (Directory.Exists(copied))
        {
            return copied;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures not found from " + AppContext.BaseDirectory);
    }
}
