using System.Text.Json;
using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Generic parsers a user-defined catalog entry may name: <c>table</c> (columns by header),
/// <c>keyvalue</c> (<c>key=value</c> or <c>key: value</c> lines), <c>json</c> (an array or an
/// object, or one JSON value per line) and <c>lines</c> (one record per line). They give
/// <see cref="GenericRecord"/>s with string values (JSON keeps its own types).
/// </summary>
public static class GenericParsers
{
    /// <summary>The names of the generic parsers.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "table", "keyvalue", "json", "lines" };

    /// <summary>A parser applied by the PowerShell layer (a scriptblock given to Register-CapsuleUtility).</summary>
    public const string ScriptBlock = "scriptblock";

    internal static IEnumerable<IOutputParser> All() => new IOutputParser[] { new TableParser(), new KeyValueParser(), new JsonParser(), new LinesParser() };

    private static ParserInfo Info(string name, string description, bool acceptsAnyLine = false) =>
        new(name, "1.0.0", description, new[] { name }, typeof(GenericRecord), new[] { typeof(GenericRecord) }) { AcceptsAnyLine = acceptsAnyLine };

    /// <summary>Columns by the first non-blank line (the header); the last column takes the rest of the line.</summary>
    public sealed class TableParser : IOutputParser
    {
        private static readonly ParserInfo SharedInfo = Info("table", "A table with a header line: one record per row, a field per column (the last column takes the rest of the line).", acceptsAnyLine: true);

        public ParserInfo Info => SharedInfo;

        public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            _ = ParserText.ForcedVariant(context, Info);
            var records = new List<CapsuleRecord>();
            if (TextLines.IsBlank(text))
            {
                return records;
            }

            List<string>? header = null;
            foreach (var (number, line) in TextLines.Enumerate(text))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var words = TextLines.Words(line);
                if (header is null)
                {
                    header = words.Select(w => w.Text).ToList();
                    continue;
                }

                if (words.Count < header.Count)
                {
                    context.Report(number, line, $"a row needs {header.Count} columns ({string.Join(" ", header)}), found {words.Count}");
                    continue;
                }

                var fields = new List<KeyValuePair<string, object?>>();
                for (var c = 0; c < header.Count; c++)
                {
                    var value = c == header.Count - 1 ? line[words[c].Start..].TrimEnd() : words[c].Text;
                    fields.Add(new(header[c], value));
                }

                records.Add(new GenericRecord(fields) { SourceLine = line });
            }

            return records;
        }
    }

    /// <summary><c>key=value</c> or <c>key: value</c> per line: one record (Name, Value) per line.</summary>
    public sealed class KeyValueParser : IOutputParser
    {
        private static readonly ParserInfo SharedInfo = Info("keyvalue", "key=value or key: value lines: one record with Name and Value per line.");

        public ParserInfo Info => SharedInfo;

        public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            _ = ParserText.ForcedVariant(context, Info);
            var records = new List<CapsuleRecord>();
            if (TextLines.IsBlank(text))
            {
                return records;
            }

            foreach (var (number, line) in TextLines.Enumerate(text))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var eq = line.IndexOf('=', StringComparison.Ordinal);
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var split = eq < 0 ? colon : colon < 0 ? eq : Math.Min(eq, colon);
                if (split <= 0 || line[..split].Trim().Length == 0)
                {
                    context.Report(number, line, "not a key=value or key: value line");
                    continue;
                }

                records.Add(new GenericRecord(new KeyValuePair<string, object?>[]
                {
                    new("Name", line[..split].Trim()),
                    new("Value", line[(split + 1)..].Trim()),
                })
                { SourceLine = line });
            }

            return records;
        }
    }

    /// <summary>A JSON array (a record per element), an object (one record), or JSON Lines.</summary>
    public sealed class JsonParser : IOutputParser
    {
        private static readonly ParserInfo SharedInfo = Info("json", "JSON: an array gives a record per element, an object one record; JSON Lines give a record per line.");

        public ParserInfo Info => SharedInfo;

        public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            _ = ParserText.ForcedVariant(context, Info);
            var records = new List<CapsuleRecord>();
            if (TextLines.IsBlank(text))
            {
                return records;
            }

            if (text.AsSpan().TrimStart().StartsWith("[", StringComparison.Ordinal))
            {
                if (TryParseArray(text, context, records))
                {
                    return records;
                }

                records.Clear();
            }
            else
            {
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    Add(doc.RootElement, text.Trim(), records, expandArray: true);
                    return records;
                }
                catch (JsonException)
                {
                    // Not one document: try one JSON value per line.
                }
            }

            foreach (var (number, line) in TextLines.Enumerate(text))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                try
                {
                    using var doc = JsonDocument.Parse(line);
                    Add(doc.RootElement, line, records, expandArray: false);
                }
                catch (JsonException ex)
                {
                    context.Report(number, line, "not JSON: " + ex.Message);
                }
            }

            return records;
        }

        /// <summary>
        /// One top-level array, element by element: a document per element, never one for the
        /// whole array (its index would cost some 12 bytes a value on top of the text), and no
        /// more than <see cref="ParseContext.MaxRecords"/> records. False: not one array.
        /// </summary>
        private static bool TryParseArray(string text, ParseContext context, List<CapsuleRecord> records)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            var reader = new Utf8JsonReader(bytes);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                while (true)
                {
                    if (!reader.Read())
                    {
                        return false;
                    }

                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        break;
                    }

                    if (records.Count >= context.MaxRecords)
                    {
                        context.RecordLimitReached = true;
                        return true;
                    }

                    using var element = JsonDocument.ParseValue(ref reader);
                    Add(element.RootElement, element.RootElement.GetRawText(), records, expandArray: false);
                }

                // Anything but white space after the array: not one document (JSON Lines, say).
                return !reader.Read();
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static void Add(JsonElement e, string source, List<CapsuleRecord> records, bool expandArray)
        {
            if (expandArray && e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    Add(item, item.GetRawText(), records, expandArray: false);
                }

                return;
            }

            var fields = e.ValueKind == JsonValueKind.Object
                ? e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, Convert(p.Value))).ToList()
                : new List<KeyValuePair<string, object?>> { new("Value", Convert(e)) };
            records.Add(new GenericRecord(fields) { SourceLine = source });
        }

        private static object? Convert(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),   // (object): a bare ternary made every integer a double
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToList(),
            _ => new GenericRecord(e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, Convert(p.Value))).ToList()),
        };
    }

    /// <summary>One record per non-empty line: LineNumber and Line.</summary>
    public sealed class LinesParser : IOutputParser
    {
        private static readonly ParserInfo SharedInfo = Info("lines", "Text lines: one record with LineNumber and Line per line (empty lines are kept, trailing ones dropped).", acceptsAnyLine: true);

        public ParserInfo Info => SharedInfo;

        public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            _ = ParserText.ForcedVariant(context, Info);
            var records = new List<CapsuleRecord>();
            if (TextLines.IsBlank(text))
            {
                return records;
            }

            // The line feed that ends the text adds no line. Walked in place: no copy of the text
            // and no list of lines beside the records (output may be -MaxOutputLines lines).
            var length = text.EndsWith('\n') ? text.Length - 1 : text.Length;
            var number = 0L;
            var start = 0;
            while (start < length)
            {
                var end = text.IndexOf('\n', start, length - start);
                if (end < 0)
                {
                    end = length;
                }

                var lineEnd = end > start && text[end - 1] == '\r' ? end - 1 : end;
                var line = text.Substring(start, lineEnd - start);
                records.Add(new GenericRecord(new KeyValuePair<string, object?>[]
                {
                    new("LineNumber", ++number),
                    new("Line", line),
                })
                { SourceLine = line });
                start = end + 1;
            }

            return records;
        }
    }
}
