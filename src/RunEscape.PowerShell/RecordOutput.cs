using System.Collections.ObjectModel;
using System.Management.Automation;
using RunEscape.Catalog;
using RunEscape.Parsers;
using RunEscape.Parsing;

namespace RunEscape.PowerShell;

/// <summary>Turns parsed records into what goes to the pipeline, and applies scriptblock parsers.</summary>
internal static class RecordOutput
{
    /// <summary>Typed records go out as they are; generic records become objects whose properties are the fields.</summary>
    internal static object ToOutput(CapsuleRecord record)
    {
        if (record is not GenericRecord generic)
        {
            return record;
        }

        var obj = ToPSObject(generic);
        obj.Properties.Add(new PSNoteProperty(nameof(CapsuleRecord.Target), record.Target));
        obj.Properties.Add(new PSNoteProperty(nameof(CapsuleRecord.SourceLine), record.SourceLine));
        return obj;
    }

    private static PSObject ToPSObject(GenericRecord generic)
    {
        var obj = new PSObject();
        obj.TypeNames.Insert(0, "RunEscape.Parsers.GenericRecord");
        var names = new List<string>();
        foreach (var (key, value) in generic.Fields)
        {
            if (obj.Properties[key] is not null)
            {
                continue;
            }

            obj.Properties.Add(new PSNoteProperty(key, Convert(value)));
            names.Add(key);
        }

        // The fields are what a table shows; Target and SourceLine stay out of the default view.
        if (names.Count > 0)
        {
            obj.Members.Add(new PSMemberSet("PSStandardMembers", new PSMemberInfo[] { new PSPropertySet("DefaultDisplayPropertySet", names) }));
        }

        return obj;
    }

    private static object? Convert(object? value) => value switch
    {
        GenericRecord nested => ToPSObject(nested),
        List<object?> list => list.Select(Convert).ToArray(),
        _ => value,
    };

    /// <summary>
    /// Runs a scriptblock parser: it gets the whole output text as <c>$args[0]</c> and as <c>$_</c>.
    /// A failure of the scriptblock is reported, never thrown.
    /// </summary>
    internal static Collection<PSObject> RunScript(ScriptBlock script, string text, string? target, out Exception? failure)
    {
        failure = null;
        try
        {
            var output = script.InvokeWithContext(null, new List<PSVariable> { new("_", text) }, text);
            if (target is not null)
            {
                foreach (var o in output)
                {
                    if (o is not null && o.BaseObject is not string && o.Properties["Target"] is null)
                    {
                        o.Properties.Add(new PSNoteProperty("Target", target));
                    }
                }
            }

            return output;
        }
        catch (RuntimeException ex)
        {
            failure = ex;
            return new Collection<PSObject>();
        }
    }

    /// <summary>The non-terminating error for a line a parser could not read.</summary>
    internal static ErrorRecord ParserError(string utility, ParseIssue issue) =>
        new(new FormatException($"{utility} output, {issue}"), "ParserError", ErrorCategory.ParserError, issue.Line)
        {
            ErrorDetails = new ErrorDetails($"Line {issue.LineNumber} of the {utility} output could not be read: {ParseIssue.Clip(issue.Message)}.")
            {
                RecommendedAction = "The other lines were read; run with -Raw to see the output as text.",
            },
        };

    /// <summary>The non-terminating error for a scriptblock parser that failed.</summary>
    internal static ErrorRecord ScriptError(CapsuleUtility utility, Exception failure, string text) =>
        new(failure, "ScriptBlockParserFailed", ErrorCategory.ParserError, text)
        {
            ErrorDetails = new ErrorDetails($"The scriptblock parser of '{utility.Name}' failed: {failure.Message}")
            {
                RecommendedAction = "Fix the scriptblock given to Register-CapsuleUtility, or run with -Raw.",
            },
        };
}
