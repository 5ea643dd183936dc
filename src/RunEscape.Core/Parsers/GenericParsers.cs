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

    /// <summary>
    /// A JSON array (a record per element), an object (one record), or JSON Lines. Read token by
    /// token straight into values (no JsonDocument, whose index costs some 12 bytes a value on top
    /// of the text), and at most <see cref="ParseContext.MaxRecords"/> values in all: a value nested
    /// in an array or object counts as one, so neither a one-line array of millions of values nor
    /// an object holding one can grow past the cap. At the cap the record being read is dropped and
    /// <see cref="ParseContext.RecordLimitReached"/> is set.
    /// </summary>
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

            var budget = new Budget(context.MaxRecords);
            try
            {
                if (TryParseDocument(text, records, budget))
                {
                    return records;
                }

                // Not one document: one JSON value per line.
                records.Clear();
                budget = new Budget(context.MaxRecords);
                foreach (var (number, line) in TextLines.Enumerate(text))
                {
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    var bytes = System.Text.Encoding.UTF8.GetBytes(line);
                    var reader = new Utf8JsonReader(bytes);
                    try
                    {
                        reader.Read();
                        var value = ReadValue(ref reader, budget);
                        if (reader.Read())
                        {
                            throw new JsonException($"'{(char)bytes[reader.TokenStartIndex]}' after the value ends");
                        }

                        records.Add(ToRecord(value, line));
                    }
                    catch (JsonException ex)
                    {
                        context.Report(number, line, "not JSON: " + ex.Message);
                    }
                }
            }
            catch (BudgetExceededException)
            {
                context.RecordLimitReached = true;
            }

            return records;
        }

        /// <summary>The whole text as one document: an array (a record per element) or another value (one record). False: not one document.</summary>
        private static bool TryParseDocument(string text, List<CapsuleRecord> records, Budget budget)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            var reader = new Utf8JsonReader(bytes);
            try
            {
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    var value = ReadValue(ref reader, budget);
                    if (reader.Read())
                    {
                        return false;
                    }

                    records.Add(ToRecord(value, text.Trim()));
                    return true;
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

                    var start = (int)reader.TokenStartIndex;
                    var element = ReadValue(ref reader, budget);
                    var source = System.Text.Encoding.UTF8.GetString(bytes, start, (int)reader.BytesConsumed - start);
                    records.Add(ToRecord(element, source));
                }

                // Anything but white space after the array: not one document (JSON Lines, say).
                return !reader.Read();
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>The value under the reader (which is on its first token); the reader ends on its last.</summary>
        private static object? ReadValue(ref Utf8JsonReader reader, Budget budget)
        {
            budget.Take();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    var fields = new List<KeyValuePair<string, object?>>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var name = reader.GetString() ?? string.Empty;
                        reader.Read();
                        fields.Add(new(name, ReadValue(ref reader, budget)));
                    }

                    return new GenericRecord(fields);
                case JsonTokenType.StartArray:
                    var items = new List<object?>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(ReadValue(ref reader, budget));
                    }

                    return items;
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.Number:
                    return reader.TryGetInt64(out var l) ? (object)l : reader.GetDouble();   // (object): a bare ternary would make every integer a double
                case JsonTokenType.True:
                    return true;
                case JsonTokenType.False:
                    return false;
                case JsonTokenType.Null:
                    return null;
                default:
                    throw new JsonException($"unexpected {reader.TokenType}");
            }
        }

        /// <summary>An object is a record of its fields; any other value a record with one field, Value.</summary>
        private static GenericRecord ToRecord(object? value, string source)
        {
            var record = value as GenericRecord ?? new GenericRecord(new List<KeyValuePair<string, object?>> { new("Value", value) });
            record.SourceLine = source;
            return record;
        }

        private sealed class Budget
        {
            private long _left;

            internal Budget(long max) => _left = max;

            internal void Take()
            {
                if (--_left < 0)
                {
                    throw new BudgetExceededException();
                }
            }
        }

        private sealed class BudgetExceededException : Exception
        {
        }
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

            // The line feed that ends the text adds no line. Enumerated in place: no copy of the
            // text and no list of lines beside the records (output may be -MaxOutputLines lines).
            foreach (var (number, line) in TextLines.Enumerate(text, text.EndsWith('\n') ? text.Length - 1 : text.Length))
            {
                records.Add(new GenericRecord(new KeyValuePair<string, object?>[]
                {
                    new("LineNumber", (long)number),
                    new("Line", line),
                })
                { SourceLine = line });
            }

            return records;
        }
    }
}
