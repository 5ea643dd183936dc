using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads a process environment: <c>/proc/&lt;pid&gt;/environ</c> (NUL-separated <c>NAME=value</c>
/// entries, variant <c>environ</c>) or the output of <c>env</c> / <c>printenv</c> (one per line,
/// variant <c>env</c>; a line that does not start a new <c>NAME=</c> continues the value before it,
/// so multi-line values survive). The variant is detected: a NUL in the text means environ.
/// </summary>
public sealed class EnvParser : IOutputParser
{
    public const string EnvironVariant = "environ";
    public const string EnvVariant = "env";

    private static readonly ParserInfo SharedInfo = new(
        "env",
        "1.0.0",
        "A process environment: /proc/<pid>/environ (NUL-separated) or env output (lines, multi-line values): one EnvironmentVariable per variable.",
        new[] { EnvironVariant, EnvVariant },
        typeof(EnvironmentVariable),
        new[] { typeof(EnvironmentVariable) });

    /// <inheritdoc />
    public ParserInfo Info => SharedInfo;

    /// <inheritdoc />
    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forced = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (TextLines.IsBlank(text))
        {
            return records;
        }

        var variant = forced ?? (text.Contains('\0', StringComparison.Ordinal) ? EnvironVariant : EnvVariant);
        if (variant == EnvironVariant)
        {
            var number = 0;
            foreach (var entry in text.Split('\0'))
            {
                number++;
                if (entry.Length == 0 || (entry.Trim().Length == 0 && entry.Contains('\n', StringComparison.Ordinal)))
                {
                    continue;
                }

                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    context.Report(number, entry, "not an environment entry: expected NAME=value");
                    continue;
                }

                records.Add(new EnvironmentVariable { Name = entry[..eq], Value = entry[(eq + 1)..], SourceLine = entry });
            }

            return records;
        }

        EnvironmentVariable? current = null;
        foreach (var (number, line) in TextLines.Enumerate(text))
        {
            if (StartsVariable(line, out var eq))
            {
                current = new EnvironmentVariable { Name = line[..eq], Value = line[(eq + 1)..], SourceLine = line };
                records.Add(current);
            }
            else if (current is not null)
            {
                current.Value += "\n" + line;
                current.SourceLine += "\n" + line;
            }
            else if (line.Length > 0)
            {
                context.Report(number, line, "not an environment line: expected NAME=value");
            }
        }

        // A trailing newline of the last value is the line end of env's output, not part of it.
        foreach (var r in records.Cast<EnvironmentVariable>())
        {
            while (r.Value.EndsWith('\n') && r.SourceLine!.EndsWith('\n'))
            {
                r.Value = r.Value[..^1];
                r.SourceLine = r.SourceLine[..^1];
            }
        }

        return records;
    }

    /// <summary>A shell-style name (letters, digits, underscore; not starting with a digit) then '='.</summary>
    private static bool StartsVariable(string line, out int eq)
    {
        eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return false;
        }

        if (char.IsAsciiDigit(line[0]))
        {
            return false;
        }

        for (var i = 0; i < eq; i++)
        {
            var c = line[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
